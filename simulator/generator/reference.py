"""Reference data of generated networks: sizes, the cities they are built in, network
profiles, and the Brazilian names of streets, neighbourhoods, people and ONU vendors."""
from __future__ import annotations

import math
from dataclasses import dataclass

SIZES = ("empty", "demo", "small", "mid", "large", "top")

M_PER_DEG = 6378100.0 * math.pi / 180.0      # metres per degree of latitude (geo.EARTH_RADIUS_M)
BLOCK_M = 120.0                              # street grid: block edge (m)
POLE_STEP = 3                                # poles per block edge: corner + 2 (every 40 m)
CTO_SITES_PER_CELL = 1.4                     # CTOs per grid cell (240 m of street): one / 170 m
CLIENTS_PER_CTO = 8.4                        # ≈ 14.8 service ports × 57 % taken (docs/ftth-model.md)
LIT_PONS_PER_OLT = 70                        # ≈ 55 % of an OLT's 128 PONs in use
DROP_MAX_M = 200.0


# ---- where networks are built --------------------------------------------------------------

@dataclass(frozen=True)
class City:
    name: str
    uf: str
    code: str
    lng: float
    lat: float
    ddd: str


CITIES = {c.code: c for c in [
    City("Florianópolis", "SC", "FLN", -48.5480, -27.5950, "48"),
    City("São José", "SC", "SJO", -48.6277, -27.5969, "48"),
    City("Palhoça", "SC", "PHC", -48.6680, -27.6450, "48"),
    City("Biguaçu", "SC", "BGU", -48.6590, -27.4940, "48"),
    City("Joinville", "SC", "JVL", -48.8460, -26.3040, "47"),
    City("Blumenau", "SC", "BNU", -49.0660, -26.9190, "47"),
    City("Itajaí", "SC", "ITJ", -48.6620, -26.9080, "47"),
    City("Balneário Camboriú", "SC", "BCU", -48.6340, -26.9910, "47"),
    City("Jaraguá do Sul", "SC", "JGS", -49.0660, -26.4860, "47"),
    City("Brusque", "SC", "BRQ", -48.9170, -27.0980, "47"),
    City("Chapecó", "SC", "XAP", -52.6180, -27.1000, "49"),
    City("Criciúma", "SC", "CCM", -49.3700, -28.6770, "48"),
    City("Lages", "SC", "LAJ", -50.3260, -27.8160, "49"),
    City("Tubarão", "SC", "TUB", -49.0070, -28.4670, "48"),
    City("Curitiba", "PR", "CWB", -49.2730, -25.4280, "41"),
    City("Ponta Grossa", "PR", "PGZ", -50.1620, -25.0950, "42"),
    City("Londrina", "PR", "LDB", -51.1630, -23.3100, "43"),
    City("Maringá", "PR", "MGF", -51.9380, -23.4200, "44"),
    City("Cascavel", "PR", "CAC", -53.4550, -24.9560, "45"),
    City("Porto Alegre", "RS", "POA", -51.2300, -30.0330, "51"),
    City("Caxias do Sul", "RS", "CXJ", -51.1790, -29.1680, "54"),
    City("Pelotas", "RS", "PET", -52.3420, -31.7710, "53"),
    City("Santa Maria", "RS", "RIA", -53.8060, -29.6840, "55"),
    City("Passo Fundo", "RS", "PFB", -52.4070, -28.2620, "54"),
]}


@dataclass(frozen=True)
class Profile:
    """What a size builds. ``clients`` is the target number of occupied service ports."""

    clients: int
    cities: tuple                     # ((city code, share of the network), ...)
    ctos: int | None = None           # fixed CTO count (demo); else derived from clients
    ports16: float = 0.85             # share of CTOs (outside FBT trunks) with a 1:16 splitter
    take: tuple = (3.4, 2.5)          # beta(a, b): a CTO's share of occupied ports (mean ≈ .58)
    groups_per_pop: int = 300         # CEOs served by one POP
    fbt_share: float = 0.05           # CEO groups built as FBT trunks (tronco e derivação)
    quad_share: float = 0.10          # CEO groups with a 1:4 primary
    ctos_per_building: int = 300      # one building (vertical condominium) per N CTOs
    ctos_per_condo: int = 500         # one gated community per N CTOs
    outage_groups: int = 1            # CEO groups under a "Falha massiva" tag


PROFILES = {
    "demo": Profile(200, (("FLN", 1.0),), ctos=50, ports16=0.5, take=(2.0, 3.0),
                    groups_per_pop=4, fbt_share=0.12, quad_share=0.15, ctos_per_building=50,
                    ctos_per_condo=50),
    "small": Profile(5_000, (("SJO", 1.0),), groups_per_pop=60),
    "mid": Profile(50_000, (("FLN", .45), ("SJO", .25), ("PHC", .18), ("BGU", .12)),
                   groups_per_pop=220),
    "large": Profile(500_000, (("FLN", .16), ("SJO", .09), ("PHC", .05), ("JVL", .14),
                               ("BNU", .09), ("ITJ", .06), ("BCU", .05), ("JGS", .05),
                               ("BRQ", .04), ("XAP", .07), ("CCM", .07), ("LAJ", .05),
                               ("TUB", .04), ("BGU", .04)), outage_groups=3),
    "top": Profile(1_100_000, (("CWB", .22), ("POA", .16), ("FLN", .08), ("JVL", .07),
                               ("LDB", .06), ("MGF", .05), ("CXJ", .05), ("SJO", .04),
                               ("BNU", .04), ("PGZ", .035), ("CAC", .035), ("PET", .035),
                               ("RIA", .03), ("PFB", .025), ("ITJ", .02), ("XAP", .02),
                               ("CCM", .02), ("PHC", .01)), outage_groups=5),
}

# street and people names (pt-BR); streets are named "<kind> <name>"
STREET_NAMES = (
    "XV de Novembro", "Sete de Setembro", "Tiradentes", "Felipe Schmidt", "Santos Dumont",
    "Marechal Deodoro", "Duque de Caxias", "Barão do Rio Branco", "Getúlio Vargas",
    "Presidente Kennedy", "Dom Pedro II", "Princesa Isabel", "Rui Barbosa", "Castro Alves",
    "Machado de Assis", "Monteiro Lobato", "Anita Garibaldi", "Hercílio Luz", "Jerônimo Coelho",
    "Vidal Ramos", "Lauro Müller", "Nereu Ramos", "Coronel Pedro Demoro", "João Pessoa",
    "Osvaldo Cruz", "Carlos Gomes", "Almirante Barroso", "Bento Gonçalves", "Silva Jardim",
    "Padre Roma", "Frei Caneca", "Visconde de Ouro Preto", "Delminda Silveira", "Esteves Júnior",
    "Bocaiúva", "Saldanha Marinho", "Álvaro de Carvalho", "Conselheiro Mafra", "Trajano",
    "das Flores", "das Palmeiras", "dos Ipês", "das Acácias", "dos Girassóis", "das Hortênsias",
    "Beira Rio", "São João", "São Pedro", "Santa Catarina", "Paraná", "Rio Grande do Sul",
    "Brasil", "Amazonas", "Bahia", "Pernambuco", "Ceará", "Goiás", "Minas Gerais",
    "Joaquim Nabuco", "José Bonifácio", "Floriano Peixoto", "Benjamin Constant", "Quintino Bocaiúva",
    "Pedro Álvares Cabral", "Cruz e Souza", "Victor Meirelles", "Olavo Bilac", "Cecília Meireles",
    "Érico Veríssimo", "Jorge Amado", "Clarice Lispector", "Vinícius de Moraes", "Tom Jobim",
)
STREET_KINDS = ("Rua", "Rua", "Rua", "Avenida", "Servidão", "Travessa")
NEIGHBOURHOODS = (
    "Centro", "Vila Nova", "Jardim América", "Santa Terezinha", "São Cristóvão", "Bela Vista",
    "Boa Vista", "Santo Antônio", "Jardim Europa", "Industrial", "Planalto", "Progresso",
    "Nossa Senhora de Fátima", "Primavera", "Esperança", "Jardim Atlântico", "Parque São Jorge",
    "Vila Operária", "Jardim Botânico", "Alto da Glória", "São Luiz", "Cidade Nova", "Ipiranga",
    "Barreiros", "Campinas", "Kobrasol", "Estreito", "Capoeiras", "Coqueiros", "Trindade",
)
FIRST_NAMES = (
    "Maria", "José", "Ana", "João", "Francisca", "Antônio", "Antônia", "Francisco", "Adriana",
    "Carlos", "Juliana", "Paulo", "Márcia", "Pedro", "Fernanda", "Lucas", "Patrícia", "Luiz",
    "Aline", "Marcos", "Sandra", "Luís", "Camila", "Gabriel", "Amanda", "Rafael", "Bruna",
    "Daniel", "Jéssica", "Marcelo", "Letícia", "Bruno", "Júlia", "Eduardo", "Luciana", "Felipe",
    "Vanessa", "Raimundo", "Mariana", "Rodrigo", "Gabriela", "Manoel", "Vera", "Mateus",
    "Beatriz", "André", "Larissa", "Fernando", "Cláudia", "Fábio", "Simone", "Leonardo", "Renata",
    "Gustavo", "Tatiane", "Guilherme", "Cristiane", "Leandro", "Débora", "Tiago", "Helena",
)
SURNAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
    "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares",
    "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira",
    "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Gonçalves",
    "Santana", "Teixeira", "Schmitt", "Schneider", "Müller", "Becker", "Koch", "Wagner",
    "Zanella", "Bortolotto", "Cechinel", "Rosa", "Medeiros", "Farias", "Cunha", "Pires",
)
ONU_VENDORS = (("ZTEG", "C8:EA:F8"), ("HWTC", "E0:24:7F"), ("FHTT", "A8:5A:E0"),
               ("ALCL", "00:1E:DF"), ("TPLG", "50:91:E3"))
CONDO_NAMES = ("Jardim das Palmeiras", "Reserva do Bosque", "Villa Verde", "Recanto das Águas",
               "Parque dos Ipês", "Quinta da Serra", "Alphaville", "Porto Belo", "Vale Verde",
               "Solar das Flores")
BUILDING_NAMES = ("Edifício Solar", "Residencial Atlântico", "Edifício Ilha Bela",
                  "Residencial Primavera", "Edifício Monte Carlo", "Residencial Mirante",
                  "Edifício Porto Seguro", "Residencial das Gaivotas", "Edifício Beira-Mar",
                  "Residencial Bela Vista")
