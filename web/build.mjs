// Copies the map library from node_modules into the Python package's static folder
// (simulator/web/static/vendor/), where the pages load it from /assets/vendor/.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "simulator", "web", "static", "vendor", "leaflet");
const dist = join(here, "node_modules", "leaflet", "dist");

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const name of ["leaflet.js", "leaflet.css", "images", "../LICENSE"]) {
  cpSync(join(dist, name), join(target, name.replace("../", "")), { recursive: true });
}
console.log(`leaflet copied to ${target}`);
