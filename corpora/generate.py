#!/usr/bin/env python3
"""Generate the embedkit demo corpus.

The corpus is synthetic English text written by a small hand-made grammar:
sentence templates for several topics (reviews, news, everyday life, travel,
food, animals, weather, calendar, colours, family and royalty, emotions,
transport, jobs, sports, school and music, numbers, home, garden, health,
hobbies, office) whose slots are filled from word classes of near-synonyms and
co-hyponyms.  Words inside a class are drawn with Zipf-like weights, so a few
words are common and many are rare; generated village and family names add a
long tail of rare proper nouns.  Every output line is one short paragraph of
several sentences on one topic, sometimes with a general remark mixed in.

The script uses only the standard library and is fully deterministic: the same
``--lines`` and ``--seed`` always give byte-identical output (it relies only on
``random.Random`` with an integer seed, whose sequences are stable across
CPython 3 releases).  The text is written by this project, not copied from
anywhere.

Usage::

    python corpora/generate.py -o corpora/demo.txt [--lines N] [--seed S]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import re
import sys
from random import Random

DEFAULT_LINES = 9000
DEFAULT_SEED = 2024

# ---------------------------------------------------------------------------
# Word classes.  Order matters: earlier words are drawn more often (Zipf-like
# weights 1 / (rank + 1) ** ZIPF_S).  Entries are separated by whitespace;
# multi-word entries use "_" which is turned into a space on output.
# ---------------------------------------------------------------------------

ZIPF_S = 0.9

CLASSES_SRC = {
    # --- evaluation -------------------------------------------------------
    "POS": "great excellent wonderful fantastic superb brilliant amazing "
    "outstanding terrific marvellous splendid magnificent fabulous "
    "exceptional sublime stunning phenomenal exquisite",
    "NEG": "terrible awful horrible dreadful disappointing poor mediocre "
    "lousy appalling dismal atrocious abysmal pathetic shoddy "
    "dire",
    "DULL": "boring dull bland predictable tedious forgettable "
    "repetitive clumsy confusing pointless uninspired "
    "overlong",
    "INTENS": "very really quite truly absolutely simply pretty rather",
    "WORK": "film movie book novel album play show series documentary "
    "musical opera comedy thriller sequel memoir drama ballet "
    "podcast",
    "VENUE": "restaurant hotel cafe bakery pub bistro inn hostel diner "
    "brasserie tearoom pizzeria trattoria guesthouse canteen",
    "WORKPART": "acting plot story music soundtrack ending dialogue script "
    "cast direction photography pacing costumes scenery "
    "lighting choreography narration editing",
    "VENUEPART": "food service staff breakfast room menu coffee view price "
    "location atmosphere wine dessert decor terrace "
    "portions music",
    "GADGET": "phone camera laptop tablet printer watch radio speaker "
    "keyboard headphones kettle toaster blender vacuum "
    "monitor router projector microwave",
    "GADGETPART": "battery screen sound design software case charger display cable lid button motor manual plug remote",
    # --- people -----------------------------------------------------------
    "NAME_F": "Anna Maria Sarah Emma Lucy Laura Kate Julia Helen Clara Rose "
    "Alice Nina Eva Grace Olivia Sophie Hannah Ruth Martha Irene "
    "Judith Agnes Beatrice Miriam Esther Vera Edith Harriet "
    "Louise Margaret Charlotte Amelia Isabel Zoe Leah Rosa "
    "Frances Joanna Tessa Mabel Ivy Phoebe Norah",
    "NAME_M": "Tom John Peter David James Mark Paul Daniel Michael Chris "
    "Adam Ben Sam Jack Henry Lucas Oliver Max Robert George "
    "Arthur Frank Simon Hugo Felix Oscar Victor Walter Harold "
    "Edward Stephen Andrew Patrick Leon Rupert Ralph Gilbert "
    "Ernest Alfred Percy Jasper Tobias Silas Ambrose",
    "SURNAME": "Smith Brown Miller Wilson Taylor Clark Walker Young Hill "
    "Wood Baker Carter Turner Parker Evans Morgan Cooper "
    "Harris Lewis Robinson Wright Thompson Hughes Edwards Ward "
    "Bennett Gray Hudson Fletcher Palmer Shaw Lloyd Barnes "
    "Webb Holmes Fisher Mason Hunt Knight Dixon Marsh Hale "
    "Porter Foster Grant Russell Pearson Lambert Whitfield "
    "Ashworth Pemberton Thornton Kingsley Blackwood",
    "FAMILY": "mother father brother sister aunt uncle grandmother "
    "grandfather cousin son daughter wife husband niece nephew "
    "grandson granddaughter stepmother stepfather godmother",
    "FRIEND": "friend neighbour colleague classmate flatmate boss partner landlord roommate teammate pen_pal",
    "ROYAL": "king queen prince princess emperor empress duke duchess "
    "monarch countess archduke baroness sultan tsar pharaoh",
    "ROLE": "minister president mayor governor senator chancellor "
    "spokesman ambassador commissioner premier treasurer "
    "councillor",
    "JOB": "doctor teacher nurse lawyer engineer farmer baker pilot chef "
    "scientist architect journalist dentist plumber carpenter "
    "electrician accountant librarian mechanic photographer "
    "surgeon pharmacist vet gardener butcher tailor painter "
    "programmer economist firefighter waiter cashier translator "
    "hairdresser locksmith blacksmith sculptor optician "
    "midwife",
    # --- places -----------------------------------------------------------
    "CITY": "Paris London Berlin Rome Madrid Vienna Amsterdam Prague Lisbon "
    "Dublin Athens Brussels Stockholm Warsaw Budapest Copenhagen "
    "Oslo Helsinki Munich Milan Venice Florence Barcelona "
    "Zurich Geneva Edinburgh Krakow Seville Porto Naples Lyon "
    "Hamburg Antwerp Bruges Salzburg Tallinn Riga Vilnius "
    "Bratislava Ljubljana Zagreb Sofia Bucharest Valletta",
    "FARCITY": "Tokyo Cairo Sydney Toronto Delhi Beijing Chicago Boston "
    "Istanbul Seoul Mumbai Nairobi Lima Havana Bangkok "
    "Jakarta Montreal Auckland Santiago Manila",
    "PLACE": "park library shop market office school station beach museum "
    "church hospital bank gym supermarket cinema theatre "
    "bookshop pharmacy post_office bakery butcher's hairdresser's "
    "stadium airport harbour zoo gallery town_hall swimming_pool "
    "laundrette garden_centre",
    "ROOM": "kitchen garden bedroom bathroom hall garage attic cellar balcony study loft porch conservatory pantry",
    "NATURE": "river lake forest mountain hill valley field meadow coast island woods marsh moor cliffs glen estuary",
    # --- animals ----------------------------------------------------------
    "ANIMAL": "dog cat horse rabbit cow sheep pig goat donkey hamster "
    "parrot duck goose mouse pony kitten puppy guinea_pig "
    "tortoise ferret budgie goldfish lamb calf llama",
    "WILD": "fox wolf bear deer lion tiger elephant monkey giraffe zebra "
    "owl badger squirrel hedgehog otter beaver moose boar lynx "
    "kangaroo panda rhino hippo gorilla leopard cheetah "
    "crocodile",
    "BIRD": "robin sparrow blackbird crow pigeon swallow owl eagle gull "
    "heron wren thrush magpie starling kingfisher woodpecker "
    "finch",
    # --- time -------------------------------------------------------------
    "DAY": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "WEEKDAY": "Monday Tuesday Wednesday Thursday Friday",
    "MONTH": "January February March April May June July August September October November December",
    "SEASON": "summer winter spring autumn",
    "DAYPART": "morning evening afternoon night",
    "NUM": "two three four five six seven eight nine ten eleven twelve "
    "fifteen twenty thirty forty fifty hundred sixty eighty "
    "thirteen fourteen sixteen seventeen eighteen nineteen",
    "SMALLNUM": "two three four five six seven eight nine ten",
    "UNIT": "minutes hours days weeks months years",
    "ORD": "first second third fourth fifth last",
    # --- things -----------------------------------------------------------
    "COLOUR": "red blue green yellow black white grey brown pink purple "
    "orange violet beige turquoise crimson scarlet navy "
    "maroon silver golden lilac",
    "CLOTH": "shirt dress coat hat jacket scarf sweater skirt jumper "
    "umbrella bag blouse cardigan raincoat waistcoat tie "
    "gloves boots sandals",
    "FURN": "door table chair sofa fence wall bench shelf desk cupboard wardrobe gate stool bookcase dresser shed",
    "HOTDRINK": "coffee tea cocoa espresso",
    "DRINK": "coffee tea juice milk water wine beer lemonade cocoa cider lager smoothie brandy whisky champagne squash",
    "FOOD": "bread cheese soup rice pasta pizza salad fish cake chicken "
    "potatoes eggs pie sausages noodles stew curry omelette "
    "risotto lasagne porridge pancakes dumplings sushi "
    "biscuits scones muffins pudding",
    "FRUIT": "apple banana orange pear grape strawberry cherry lemon "
    "peach plum mango melon pineapple apricot raspberry "
    "blueberry gooseberry fig kiwi",
    "VEG": "carrot onion tomato cabbage potato pepper cucumber bean "
    "leek shallot lettuce beetroot turnip radish parsnip "
    "courgette aubergine",
    "MEAL": "breakfast lunch dinner supper",
    "VEHICLE": "car bus truck bike train taxi van tram motorbike lorry "
    "scooter coach minibus jeep limousine tractor caravan",
    "DRIVE": "car truck van taxi lorry motorbike",
    "PUBLIC": "bus train tram ferry taxi",
    "INSTR": "piano guitar violin drums flute cello trumpet saxophone "
    "clarinet harp oboe trombone banjo ukulele accordion "
    "mandolin bassoon",
    "SPORT": "football tennis basketball golf rugby cricket hockey "
    "baseball volleyball badminton netball squash snooker "
    "handball lacrosse polo",
    "SUBJECT": "maths history science geography physics chemistry biology "
    "art literature economics philosophy latin french "
    "german spanish music drama",
    # --- emotions ---------------------------------------------------------
    "HAPPY": "happy glad delighted pleased cheerful thrilled excited "
    "relieved grateful proud joyful elated overjoyed content "
    "jubilant",
    "SAD": "sad upset unhappy miserable worried nervous lonely anxious "
    "angry gloomy heartbroken depressed dejected tearful "
    "downcast",
    "TIRED": "tired exhausted sleepy weary drained worn_out",
    # --- weather ----------------------------------------------------------
    "PRECIP": "rain snow hail sleet drizzle showers thunder frost fog",
    "WADJ": "sunny rainy cloudy windy foggy stormy grey bright misty overcast humid damp",
    "TEMP": "cold warm hot chilly mild freezing cool icy sweltering balmy",
    # --- general ----------------------------------------------------------
    "BIG": "big large huge enormous tiny small little vast massive compact",
    "AGE": "old new young ancient modern",
    "NICE": "nice good lovely pleasant decent fine charming cosy relaxing quiet",
    "QUICK": "quickly slowly carefully quietly happily suddenly",
    "COMPANY": "company firm bank factory airline supplier retailer "
    "publisher carmaker brewery insurer chain startup "
    "shipyard",
    "NEWSTOPIC": "taxes prices wages rents fares fees pensions tariffs premiums",
    "UPDOWN": "rose fell jumped dropped climbed slipped",
    "SAID": "said added explained told_reporters announced insisted claimed warned",
    "WENT": "went walked drove travelled cycled hurried",
    "LIKE": "like love enjoy prefer adore",
    "HATE": "hate dislike detest",
    "DESC": "cosy charming busy quiet historic lively crowded pretty "
    "famous peaceful modest elegant remote sleepy picturesque "
    "bustling shabby grand rustic noisy quaint trendy spotless "
    "sprawling draughty humble stylish leafy gloomy cramped "
    "airy tranquil dingy affordable overpriced secluded "
    "windswept sunlit ramshackle",
    # --- extra topics -----------------------------------------------------
    "THING": "keys wallet glasses ticket passport umbrella letter map "
    "notebook purse diary camera charger bottle gloves pen "
    "receipt scarf",
    "FLOWER": "rose tulip daisy lily sunflower daffodil orchid violet poppy lavender bluebell iris peony marigold",
    "TREE": "oak pine birch maple willow beech elm ash chestnut cherry sycamore yew",
    "TOOL": "spade rake hose shears trowel wheelbarrow ladder hammer saw drill",
    "BODY": "back head knee shoulder arm leg neck foot wrist ankle elbow hip",
    "ILL": "cold flu cough fever headache sore_throat rash backache migraine",
    "HOBBY": "reading painting knitting gardening cooking hiking fishing "
    "swimming dancing singing sewing chess photography "
    "birdwatching pottery",
    "OFFICE": "report email presentation meeting budget contract proposal invoice spreadsheet schedule",
}


# Village names are made from two parts ("Ash" + "ford" -> "Ashford"), which
# gives several hundred rare proper nouns with a long Zipf tail.
VILLAGE_HEADS = (
    "Ash Oak Mill Stone Brook Elm Thorn Hazel Fox Lang Black "
    "White Red Green North South East West Kings Hart Dun Bram "
    "Wick Lind Sand Fair Cold Nether High Low Long Broad Crow "
    "Hawk Bright Maple Marl Shep Wood"
).split()
VILLAGE_TAILS = (
    "ford brook ton field wick bury ley ham stead worth dale combe thorpe mouth bridge well hurst more cliffe gate"
).split()
SURNAME_TAILS = "son ley well by man ridge field".split()


class WordClass:
    __slots__ = ("words", "cum", "total")

    def __init__(self, words: list[str], s: float = ZIPF_S):
        self.words = words
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(len(words))))
        self.total = self.cum[-1]

    def sample(self, rng: Random) -> str:
        return self.words[bisect.bisect_right(self.cum, rng.random() * self.total)]


CLASSES = {k: WordClass([w.replace("_", " ") for w in v.split()]) for k, v in CLASSES_SRC.items()}


def _compounds(heads, tails, salt: int) -> list[str]:
    names = sorted({h + t for h in heads for t in tails})
    Random(salt).shuffle(names)  # a fixed order, independent of --seed
    return names


CLASSES["VILLAGE"] = WordClass(_compounds(VILLAGE_HEADS, VILLAGE_TAILS, 7), s=1.05)
_surnames = CLASSES["SURNAME"].words
CLASSES["SURNAME"] = WordClass(
    _surnames + [n for n in _compounds(VILLAGE_HEADS, SURNAME_TAILS, 11) if n not in _surnames]
)

IRREGULAR_PLURALS = {
    "mouse": "mice",
    "sheep": "sheep",
    "deer": "deer",
    "goose": "geese",
    "wolf": "wolves",
    "child": "children",
    "person": "people",
    "fish": "fish",
    "series": "series",
    "drums": "drums",
    "headphones": "headphones",
    "potatoes": "potatoes",
    "potato": "potatoes",
    "tomato": "tomatoes",
    "eggs": "eggs",
    "sausages": "sausages",
    "noodles": "noodles",
    "staff": "staff",
    "photography": "photography",
    "shelf": "shelves",
    "wife": "wives",
    "knife": "knives",
}


def plural(word: str) -> str:
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if " " in word:
        head, last = word.rsplit(" ", 1)
        return head + " " + plural(last)
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


# ---------------------------------------------------------------------------
# Template mini-language
#   {CLASS}      a word drawn from CLASS (or the paragraph variable CLASS)
#   {CLASS:pl}   its plural
#   (a|b|c)      one alternative, uniformly
#   [text]       optional text, included with probability 1/2
# Alternatives and options nest.  Templates are parsed once and cached.
# ---------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\{[A-Z0-9_]+(?::pl)?\}|[()\[\]|]|[^{}()\[\]|]+")


def _parse(src: str):
    tokens = _TOKEN_RE.findall(src)
    if "".join(tokens) != src:
        raise ValueError(f"bad template: {src!r}")
    pos = 0

    def seq(stop):
        nonlocal pos
        items = []
        while pos < len(tokens) and tokens[pos] not in stop:
            tok = tokens[pos]
            pos += 1
            if tok == "(":
                alts = [seq({"|", ")"})]
                while tokens[pos] == "|":
                    pos += 1
                    alts.append(seq({"|", ")"}))
                pos += 1  # ')'
                items.append(("alt", alts))
            elif tok == "[":
                body = seq({"]"})
                pos += 1  # ']'
                items.append(("opt", body))
            elif tok.startswith("{"):
                name = tok[1:-1]
                pl = name.endswith(":pl")
                items.append(("slot", name[:-3] if pl else name, pl))
            else:
                items.append(("text", tok))
        return items

    tree = seq(set())
    if pos != len(tokens):
        raise ValueError(f"unbalanced template: {src!r}")
    return tree


_CACHE: dict[str, list] = {}


def expand(src: str, rng: Random, env: dict[str, str]) -> str:
    tree = _CACHE.get(src)
    if tree is None:
        tree = _CACHE[src] = _parse(src)
    out: list[str] = []
    _render(tree, rng, env, out, set())
    return "".join(out)


def _draw(cls: str, rng: Random, used: set) -> str:
    """Draw from a class, avoiding words already used in this sentence."""
    wc = CLASSES[cls]
    for _ in range(8):
        val = wc.sample(rng)
        if val not in used:
            break
    used.add(val)
    return val


def _render(items, rng, env, out, used):
    for item in items:
        kind = item[0]
        if kind == "text":
            out.append(item[1])
        elif kind == "slot":
            name = item[1]
            val = env.get(name)
            if val is None:
                val = _draw(name, rng, used)
            elif val.startswith("@"):
                val = _draw(val[1:], rng, used)
            out.append(plural(val) if item[2] else val)
        elif kind == "alt":
            _render(rng.choice(item[1]), rng, env, out, used)
        else:  # opt
            if rng.random() < 0.5:
                _render(item[1], rng, env, out, used)


# ---------------------------------------------------------------------------
# Topics.  Each topic is a function(rng) -> (env, [templates]) choosing the
# paragraph's fixed variables; the paragraph then uses a few of its templates.
# ---------------------------------------------------------------------------


def person(rng: Random) -> tuple[str, str, str]:
    """A random person: (name, subject pronoun, possessive pronoun)."""
    if rng.random() < 0.5:
        return CLASSES["NAME_F"].sample(rng), "she", "her"
    return CLASSES["NAME_M"].sample(rng), "he", "his"


def people(rng: Random) -> dict[str, str]:
    """Paragraph variables for a main character and a second person."""
    name, subj, poss = person(rng)
    return {
        "PERSON": name,
        "SUBJ": subj,
        "POSS": poss,
        "OBJ": "her" if subj == "she" else "him",
        "PERSON2": person(rng)[0],
    }


# Sentences usable in any paragraph (shared vocabulary across topics).
GENERAL = [
    "It was a long day.",
    "(Anyway|Still|Honestly|Well), it was {NICE} to (get out|see everyone|have some time off).",
    "We talked about it for {UNIT} afterwards.",
    "I (think|guess|suppose) (we|they|most people) will (do it again|go back|remember it) [one day].",
    "(Nobody|No one) (expected|predicted) that.",
    "[At least] the (weather|company|timing) was {NICE}.",
    "(More|Details) on that (later|tomorrow|next week).",
    "(That|This) is (what|all) (I|we) (wanted|needed|had hoped for) [, really].",
    "It took {SMALLNUM} {UNIT} to (sort out|get there|finish).",
    "(My|Our) {FRIEND} (agreed|disagreed|laughed|did not say much).",
    "(Then|After that|Later) we went home.",
    "Things (were|felt) (different|easier|harder) (back then|after that|this time).",
    "Who knows what (happens|will happen) next?",
    "(Everyone|Everybody) seemed to (enjoy|like) it.",
    "{NAME_F} and {NAME_M} (said|thought|agreed) it was {NICE}.",
    "(I|We) (met|saw|bumped into) {NAME_M} {SURNAME} at the {PLACE}.",
    "(I|We) (met|saw|bumped into) {NAME_F} {SURNAME} in {CITY}.",
    "(It was|That was) (back|late|early) in {MONTH}, (I think|if I remember)[, on a {DAY}].",
    "(Oh|Ah), and the {ANIMAL} (came|was there) too!",
    "It (was|felt) {TEMP} (outside|indoors|all day).",
    "(My|Our) {FAMILY} (lives|grew up) in {VILLAGE}[, a {DESC} (village|town) near {CITY}].",
    "The {PLACE} (there|in town) is {DESC} but {DESC}.",
]

POS_REVIEW = [
    "(I|We) (watched|saw) the {WORK} (last|on) {DAY} and it was {INTENS} {Q}.",
    "The {WORKPART} (was|is) {Q}[, and the {WORKPART} (was|is) {Q} too].",
    "What a {Q} {WORK}!",
    "(Honestly|Overall|All in all), a {Q} {WORK} with {Q} {WORKPART}.",
    "{Q} {WORKPART}, {Q} {WORKPART} and a {Q} {WORKPART}.",
    "(It is|This is) (one of the most|the most) {Q} {WORK:pl} I have (ever seen|seen in years|read this year).",
    "The (second half|first half|final scene|opening) (was|is) {INTENS} {Q}.",
    "(Highly recommended|Five stars|Go and see it|Do not miss it)!",
    "(Critics|Viewers|Readers|My friends) (called it|described it as) {Q} and {Q}.",
    "{Q}! {INTENS} {Q}!",
    "The {WORK} (got|received) {Q} reviews (in|from) the (papers|press|critics).",
]
NEG_REVIEW = [
    "(I|We) (watched|saw) the {WORK} (last|on) {DAY} and it was {INTENS} {Q}.",
    "The {WORKPART} (was|is) {Q}[, and the {WORKPART} (was|is) {Q} too].",
    "What a {Q} {WORK}!",
    "(Honestly|Overall|Sadly), a {Q} {WORK} with {Q} {WORKPART}.",
    "(It is|This is) (one of the most|the most) {Q} {WORK:pl} I have (ever seen|seen in years|read this year).",
    "The {WORKPART} was {DULL} and the {WORKPART} was {DULL}.",
    "(Avoid|Skip|Do not bother with) (it|this one)[, seriously].",
    "(One star|Not recommended|A waste of money|A waste of time).",
    "(Critics|Viewers|Readers|My friends) (called it|described it as) {Q} and {DULL}.",
    "I (fell asleep|left early|gave up) (halfway through|after an hour).",
    "The {WORK} (got|received) {Q} reviews (in|from) the (papers|press|critics).",
]
POS_VENUE = [
    "We (had|ate) {MEAL} at a ({DESC}|{Q}) little {VENUE} in ({CITY}|{CITY}|{VILLAGE}).",
    "The {VENUEPART} was {INTENS} {Q}[ and the {VENUEPART} was {Q}].",
    "(A|What a) {Q} {VENUE}[, {INTENS} {Q}]!",
    "The staff were (friendly|helpful|kind|polite) and the {VENUEPART} was {Q}.",
    "(We will|We would|I will) (definitely|certainly) (come back|return|recommend it).",
    "(Five stars|Highly recommended|Worth every penny)!",
    "The {FOOD} was {Q} and the {DRINK} was {Q} too.",
]
NEG_VENUE = [
    "We (had|ate) {MEAL} at a ({DESC}|{Q}) little {VENUE} in ({CITY}|{CITY}|{VILLAGE}).",
    "The {VENUEPART} was {INTENS} {Q}[ and the {VENUEPART} was {Q}].",
    "(A|What a) {Q} {VENUE}!",
    "The staff were (rude|slow|unfriendly) and the {VENUEPART} was {Q}.",
    "(We will|I will) (never|not) (come back|return|go there again).",
    "(One star|Not recommended|Avoid)!",
    "The {FOOD} was {Q} and the {DRINK} was {Q} too.",
    "The {FOOD} was cold and {DULL}.",
]
POS_GADGET = [
    "I bought (a new|this) {GADGET} (last|in) {MONTH} and it is {INTENS} {Q}.",
    "The {GADGETPART} is {Q} and the {GADGETPART} is {Q}.",
    "(A|What a) {Q} {GADGET} for the price!",
    "(Five stars|Highly recommended|Great value)!",
    "My {FAMILY} (has|bought) the same {GADGET} and (loves|likes) it.",
]
NEG_GADGET = [
    "I bought (a new|this) {GADGET} (last|in) {MONTH} and it is {INTENS} {Q}.",
    "The {GADGETPART} is {Q} and the {GADGETPART} (broke|stopped working) after {SMALLNUM} {UNIT}.",
    "(A|What a) {Q} {GADGET}!",
    "(One star|Not recommended|Send it back)!",
    "(I|We) (returned|sent back) the {GADGET} on {DAY}.",
]


def topic_review(rng):
    positive = rng.random() < 0.6
    env = {"Q": "@POS" if positive else "@NEG"}
    kind = rng.random()
    if kind < 0.5:
        return env, POS_REVIEW if positive else NEG_REVIEW
    if kind < 0.8:
        return env, POS_VENUE if positive else NEG_VENUE
    return env, POS_GADGET if positive else NEG_GADGET


NEWS = [
    "The {ROLE} (said|announced|confirmed) on {DAY} that {NEWSTOPIC} would (rise|fall|be frozen) in {MONTH}.",
    "(Speaking|Talking) to reporters in {CITY}, the {ROLE} {SAID} that the (plan|deal|talks) (had|would have) "
    "(failed|worked).",
    "{NEWSTOPIC} {UPDOWN} by {SMALLNUM} per cent (last|this) (year|month|week).",
    "The {COMPANY} (said|reported) that (profits|sales|losses) {UPDOWN} in the {ORD} quarter.",
    "Shares in the {COMPANY} {UPDOWN} sharply on {DAY}.",
    "The (mayor|governor) of {CITY} (met|visited|called) the {ROLE} on {DAY} {DAYPART}.",
    "(Police|Officials|Witnesses) said {NUM} people were (hurt|injured|evacuated) after a "
    "(fire|crash|storm|flood) near {CITY}.",
    "The (election|vote|referendum) will (take place|be held) in {MONTH}.",
    "(Talks|Negotiations) between the (rival|neighbouring|opposing) (sides|parties|countries) "
    "(resumed|ended|continued) in {CITY} on {DAY}.",
    "The {COMPANY} (plans|hopes|wants) to (hire|cut) {NUM} (jobs|workers|staff) (this year|next year|by {MONTH}).",
    "(Critics|Opponents|Unions) (called the|described the) (plan|decision|budget) (as|) {NEG}.",
    "(Supporters|Analysts|Investors) (called|said) the (plan|decision|budget) (was|) {POS}.",
    "The {ROYAL} (opened|visited|toured) a new (hospital|school|bridge|museum|library) in {CITY}.",
    "The (mayor|minister) {WENT} to the (scene|site|hospital) on {DAY} {DAYPART}.",
    "A (spokesman|spokeswoman) for the {COMPANY} (declined to comment|said nothing|was not available).",
    '"(We|I) are (very|deeply|quite) (concerned|pleased|surprised)," said {NAME_F} {SURNAME}, (a|the) {JOB} '
    "from {VILLAGE}.",
    '"(It is|This is) (not good enough|a good start|a step forward)," {NAME_M} {SURNAME} {SAID}.',
    "The {COMPANY}, (based|founded) in {VILLAGE}, (employs|employed) {NUM} (people|workers|staff).",
    "Prices at the {PLACE} {UPDOWN} (again|sharply|slightly) in {MONTH}.",
    "(Residents|Farmers|Shopkeepers) in {VILLAGE} (say|said) the (new road|bypass|wind farm|closure) (is|was) {NEG}.",
    "A (new|second) (school|bridge|clinic|supermarket) will open in {VILLAGE} (in|by) {MONTH}.",
    "{VILLAGE} (United|Rovers|Town|Athletic) beat {VILLAGE} (City|United|Wanderers) {SMALLNUM} to (one|nil) on {DAY}.",
]


def topic_news(rng):
    return {}, NEWS


EVERYDAY = [
    "On {DAY} I (went|walked|cycled) to the {PLACE} with my {FAMILY}.",
    "Every {DAY} {DAYPART} {SUBJ} (goes|walks) to the {PLACE}.",
    "{PERSON} (met|saw|ran into) {POSS} {FRIEND} at the {PLACE} (yesterday|last week|on {DAY}).",
    "(We|They) stayed at home and (cleaned|painted|tidied) the {ROOM}.",
    "My {FAMILY} (called|rang|visited) (me|us) on {DAY} {DAYPART}.",
    "{PERSON} (was|felt) {INTENS} {TIRED} after work[, so {SUBJ} went to bed early].",
    "(Last {DAY} was|Next {DAY} is|This {DAY} is) (my|our) {FAMILY}'s birthday.",
    "The {PLACE} (opens|closes) at (eight|nine|ten|six) on {DAY:pl}.",
    "We (usually|always|often|sometimes|never) (go|walk) to the {PLACE} on {DAY:pl}.",
    "{PERSON} (forgot|lost|left) {POSS} {CLOTH} at the {PLACE}.",
    "(I|We) (bought|ordered|found) a {COLOUR} {CLOTH} for my {FAMILY}.",
    "(Mr|Mrs|Dr) {SURNAME} (lives|works) near the {PLACE}.",
    "(Mr|Mrs|Miss) {SURNAME} from {VILLAGE} (came|dropped by|phoned) (on|last) {DAY}.",
    "{PERSON} and {PERSON2} (had|shared) {MEAL} in the {ROOM}.",
    "The {FURN} in the {ROOM} (was|is) {AGE} and {BIG}.",
]


def topic_everyday(rng):
    return {}, EVERYDAY


TRAVEL = [
    "(Last|In) {MONTH} we (flew|travelled|went) from {CITY} to {CITY2}.",
    "The (flight|train|journey|trip) from {CITY} to {CITY2} (took|takes) {SMALLNUM} hours.",
    "{CITY} is (bigger|smaller|busier|quieter|older|cheaper) than {CITY2}.",
    "(We|They|I) spent {SMALLNUM} (days|nights|weeks) in {CITY} and {SMALLNUM} in {CITY2}.",
    "(My|Our) {FAMILY} (lives|works|studies) in {CITY}[ but (often|sometimes) visits {CITY2}].",
    "(Flights|Trains|Buses) to {CITY} (were|are) (cancelled|delayed|full) on {DAY}.",
    "We (took|caught) the {PUBLIC} from the (airport|station|hotel) to the centre of {CITY}.",
    "(Hotels|Rents|Prices) in {CITY} are (higher|lower) than in {CITY2}.",
    "{CITY}, {CITY2} and {CITY3} are (popular|cheap|expensive|crowded) in {SEASON}.",
    "(I|We) (visited|saw|loved) the {PLACE} in {CITY}.",
    "The weather in {CITY} was {WADJ} and {TEMP}.",
    "(Next|This) {SEASON} (we|they|I) (want|hope|plan) to (visit|see|go to) {CITY} [again].",
    "She (moved|went back) to {CITY} (from|after living in) {CITY2}.",
    "(Later|Then) we (went|flew) (on|over) to {FARCITY}.",
    "{PERSON} (was|grew up|lived) in {CITY} for {NUM} years.",
    "On the way we stopped in the {DESC} village of {VILLAGE}.",
    "(Our|The) hotel in {CITY} was {DESC} and {DESC}.",
    "{VILLAGE} is a {DESC} (little|small|old) (village|town) (near|north of|south of) {CITY}.",
]


def topic_travel(rng):
    cities = CLASSES["CITY"]
    a = cities.sample(rng)
    b = cities.sample(rng)
    while b == a:
        b = cities.sample(rng)
    c = cities.sample(rng)
    while c in (a, b):
        c = cities.sample(rng)
    return {"CITY": a, "CITY2": b, "CITY3": c}, TRAVEL


FOOD = [
    "(I|We) (usually|always|often) have a cup of {HOTDRINK} (with|after) {MEAL}.",
    "{PERSON} (drinks|likes|prefers) {HOTDRINK} (in the morning|with milk|without sugar|after dinner).",
    "Would you like (some|a cup of) {HOTDRINK} or {HOTDRINK}?",
    "A (pot|mug|cup) of {HOTDRINK} (and|with) (a slice of cake|some toast|a biscuit|a {FRUIT}).",
    "(We|They) (had|ordered) a glass of {DRINK} (with|after) {MEAL}.",
    "For {MEAL} we (had|made|cooked|ate) {FOOD} (with|and) {FOOD}.",
    "{PERSON} (bought|got) some {FOOD} and {FRUIT:pl} at the (market|supermarket|shop).",
    "(I|We) (always|never|rarely|usually) (drink|have) {DRINK} (before|after|with) {MEAL}.",
    "There was (fresh|warm|cold|hot) {FOOD} and (plenty of|some) {DRINK} on the table.",
    "(Add|Chop|Cut) (two|three|four) {VEG:pl} and (a|one) {VEG}.",
    "The {FRUIT:pl} and {FRUIT:pl} (are (ripe|sweet|fresh|cheap) this|were (ripe|sweet|fresh|cheap) last) {SEASON}.",
    "(I|We) {LIKE} {DRINK} but I {HATE} {DRINK}.",
    "{SUBJ} (made|baked) a {FRUIT} (pie|cake|tart) for {MEAL}.",
    "The {HOTDRINK} was (hot|strong|weak|cold|sweet) and the {FOOD} was {POS}.",
]


def topic_food(rng):
    return {}, FOOD


ANIMALS = [
    "(Our|My|Their) {ANIMAL} (was|is) (sleeping|eating|playing|resting|hiding) in the "
    "(garden|kitchen|barn|yard|field|{ROOM}).",
    "{PERSON} (has|keeps|owns) a {ANIMAL} and (two|three|four) {ANIMAL:pl}.",
    "The {ANIMAL} (ran|walked|jumped|wandered) (across|into|out of) the (garden|kitchen|yard|field|{ROOM}).",
    "We (fed|washed|walked|brushed) the {ANIMAL} (in the morning|every day|after {MEAL}).",
    "(A|The) (brown|black|white|grey|old|young|little|big) {ANIMAL} (was|stood) (in|near) the "
    "(field|barn|garden|yard).",
    "The farm (has|had) {NUM} {ANIMAL:pl}, {NUM} {ANIMAL:pl} and a {ANIMAL}.",
    "(Is|Was) the {ANIMAL} (friendly|hungry|ill|old|young)?",
    "The vet (said|thought) the {ANIMAL} was (fine|healthy|ill|too fat).",
    "In the {NATURE} we saw a {WILD}, a {WILD} and (some|several|a few) {BIRD:pl}.",
    "The {WILD:pl} (live|hunt|sleep) in the {NATURE}.",
    "A {BIRD} (was singing|sat|landed) on the {FURN}.",
    "(Children|Kids|Visitors) (love|like) the {WILD:pl} at the zoo.",
    "My {FAMILY} (is afraid of|loves|hates) {ANIMAL:pl}.",
    "{ANIMAL:pl} and {ANIMAL:pl} (need|like|want) (space|attention|exercise|food).",
]


def topic_animals(rng):
    return {}, ANIMALS


WEATHER = [
    "(It|The day) was {WADJ} and {TEMP} on {DAY}.",
    "(Heavy|Light) {PRECIP} (is|was) (expected|forecast) on {DAY} {DAYPART}.",
    "{MONTH} was (unusually|very|quite) {TEMP} (this|last) year.",
    "(It|Tomorrow) will be {WADJ} and {TEMP}[ with some {PRECIP} later].",
    "(It is|It was) {WADJ} (again|today|all week).",
    "(The|This) {SEASON} (has been|was) {TEMP} and {WADJ}.",
    "We (stayed inside|went out) because of the {PRECIP}.",
    "(In|During) {MONTH} the {PRECIP} (started|stopped) (early|late).",
    "(There was|We had) {PRECIP} (on|every) {DAY} (and|but not on) {DAY}.",
    "The (forecast|radio|news) (says|said) it will be {TEMP} (on|by) {DAY}.",
]


def topic_weather(rng):
    return {}, WEATHER


CALENDAR = [
    "The (meeting|class|appointment|party|match) (is|was) on {DAY}[ {DAYPART}].",
    "(Is|Was) it {DAY} or {DAY}?",
    "(I|We) (work|worked) from {WEEKDAY} to {WEEKDAY}.",
    "The (shop|office|museum|library) is closed on {DAY:pl}.",
    "(See|Call) you (on|next) {DAY}!",
    "(Last|Next|This) {DAY} (I|we) (went|will go) to the {PLACE}.",
    "{DAY}, {DAY} and {DAY} are (busy|free|quiet|long) (days|for me).",
    "My birthday is (in|on the first of|at the end of) {MONTH}.",
    "(School|Term|The season|The course) (starts|ends|begins) in {MONTH}.",
    "(Between|From) {MONTH} and {MONTH} the (days|nights) (are|get) (longer|shorter).",
    "(In|Every) {MONTH} (we|they) (go|travel|fly) to {CITY}.",
    "(It|The deadline|The meeting) (was|has been) (moved|changed|postponed) from {DAY} to {DAY}.",
    "The (festival|holiday|fair|exam) is (in|at the end of|in early|in late) {MONTH}.",
    "{DAY} {DAYPART} (was|is) (always|usually) (quiet|busy|the best).",
]


def topic_calendar(rng):
    return {}, CALENDAR


COLOURS = [
    "({SUBJ}|{PERSON}) (wore|bought|wanted|chose) a {COLOUR} {CLOTH}.",
    "We painted the {FURN} {COLOUR}[ and the {FURN} {COLOUR}].",
    "(My|Her|His) favourite colour is {COLOUR}[, not {COLOUR}].",
    "The {VEHICLE} was {COLOUR} with {COLOUR} (stripes|spots|doors).",
    "(Do you|Would you) (like|prefer) the {COLOUR} one or the {COLOUR} one?",
    "(Mix|Add) {COLOUR} and {COLOUR} (to get|to make) {COLOUR}.",
    "The flag is {COLOUR}, {COLOUR} and {COLOUR}.",
    "(The house|The door|Her car|His bike) was (painted|bright|dark) {COLOUR}.",
    "There were {COLOUR} and {COLOUR} (flowers|balloons|lights) (everywhere|in the {ROOM}).",
    "The (sky|sea|leaves|walls) turned {COLOUR}.",
]


def topic_colours(rng):
    return {}, COLOURS


ROYALTY = [
    "The {ROYAL} (lived|stayed|ruled) in the (palace|castle) for {NUM} years.",
    "The {ROYAL} died in {MONTH} at the age of (fifty|sixty|seventy|eighty|ninety).",
    "The {ROYAL} and the {ROYAL} (arrived|appeared|waved) (at|from) the (palace|balcony|castle).",
    "Long live the {ROYAL}!",
    "(The old|The young|The new) {ROYAL} was crowned in {MONTH}.",
    "The {ROYAL} (ruled|reigned) (for|over) (the kingdom|the empire|many years).",
    "The {ROYAL} (married|met|wrote to) the {ROYAL} (in|of) {CITY}.",
    "(A|The) {ROYAL} (once lived|ruled long ago) in a (castle|palace) by the {NATURE}.",
    "The {ROYAL} gave a speech (on|to) the (nation|people|crowd).",
    "The {ROYAL}'s (crown|throne|sword|carriage) (is|was) (kept|shown) in the museum.",
    "(Her|His) {FAMILY} (served|worked for|cooked for) the {ROYAL} (for years|after the war).",
]
FAMILY = [
    "My {FAMILY} and my {FAMILY} (came|visited|stayed) for {MEAL}.",
    "(Her|His|My) {FAMILY} (is|was|works as) a {JOB}.",
    "{PERSON}'s {FAMILY} (lives|grew up) in {CITY}.",
    "(I|We) (called|visited|wrote to) (my|our) {FAMILY} on {DAY}.",
    "(My|Our) {FAMILY} (taught|showed) me how to (cook|swim|drive|read).",
    "(The|Her|His) {FAMILY} (looked|seemed|was) {HAPPY} (to see|when (she|he) saw) (us|them|her|him).",
    "(My|Her) {FAMILY} (has|had) {SMALLNUM} (children|grandchildren|sisters|brothers).",
]


def topic_family(rng):
    return {}, ROYALTY if rng.random() < 0.4 else FAMILY


EMOTIONS = [
    "{PERSON} was {INTENS} {HAPPY} (to hear|to see|when {SUBJ} heard) the news.",
    "(I am|We are|I was|We were) so {HAPPY} (for you|to be here|that you came)!",
    "{PERSON} (felt|looked|seemed) {HAPPY} and {HAPPY}.",
    "({SUBJ}|they) (felt|looked|seemed|sounded) {SAD} (about|after) the (news|letter|call|exam).",
    "{PERSON} was {INTENS} {SAD} (because|when) {POSS} {ANIMAL} (was ill|ran away|died).",
    "(Don't|Do not) be {SAD}[, it will be fine].",
    "(We|They) were {HAPPY} to (help|come|see you|be invited).",
    "I (was|felt) {TIRED} but {HAPPY}.",
    "((The children|The fans|The players) were|(Everyone|The whole team) was) {HAPPY} (with|about) the "
    "(result|present|holiday).",
    "(Why are you|Are you still) so {SAD}?",
    "{PERSON} (smiled|laughed) and (looked|said {SUBJ} was) {HAPPY}.",
    "{PERSON} (cried|sighed|frowned) and (looked|said {SUBJ} was) {SAD}.",
]


def topic_emotions(rng):
    return {}, EMOTIONS


TRANSPORT = [
    "(I|We|{SUBJ}) (took|caught|missed) the {PUBLIC} (to work|to school|to {CITY}|home) on {DAY}.",
    "{PERSON} (drove|parked|washed|sold|crashed) ({POSS}|the) {DRIVE} (in|near|outside) the (garage|street|{PLACE}).",
    "(My|Our) {FAMILY} bought a (new|used|second-hand|{COLOUR}) {VEHICLE} (last|in) {MONTH}.",
    "The {VEHICLE} (broke down|was late|was full|was cheap) (again|on {DAY}|this morning).",
    "(Is|Was) the {VEHICLE} (faster|cheaper|safer|slower) than the {VEHICLE}?",
    "A {VEHICLE} and a {VEHICLE} (collided|crashed) (near|outside) the {PLACE}.",
    "(Traffic|The road) was (busy|slow|blocked) and the {VEHICLE:pl} (were late|could not move).",
    "(We|They) (went|travelled) (by|on the) {VEHICLE} (because|since) the {VEHICLE} was (late|broken|full).",
    "(You can|We can) (park|leave) the {DRIVE} (behind|next to) the {PLACE}.",
    "{SUBJ} (bought|sold|fixed|borrowed) (a|the) {VEHICLE} (last year|when {SUBJ} was young|from a {FRIEND}).",
    "The {DRIVE} (needs|needed) new (tyres|brakes|lights) and (a wash|petrol).",
]


def topic_transport(rng):
    return {}, TRANSPORT


JOBS = [
    "{PERSON} (works|worked) as a {JOB} in {CITY}.",
    "(Her|His|My) {FAMILY} (is|was|wants to be) a {JOB}.",
    "The {JOB} (said|told us|explained) (that|) (it|everything) (was|would be) (fine|ready|done) by {DAY}.",
    "We (called|needed|waited for) a {JOB} (to fix|to check|to look at) the {FURN}.",
    "{SUBJ} (trained|studied) (for|) {SMALLNUM} years to become a {JOB}.",
    "(The|A) {JOB} and (the|a) {JOB} (met|worked together|talked) at the {PLACE}.",
    "(Every|Each) {JOB} (needs|has) a {NICE} (day|lunch|break) (sometimes|now and then).",
    "There are not enough {JOB:pl} and {JOB:pl} in (the city|the country|{CITY}).",
    "{PERSON} (is|was) the (best|only|new) {JOB} (in town|in {VILLAGE}|at the {PLACE}).",
    "(Dr|Mr|Mrs) {SURNAME}, the {JOB}, (retired|moved to {VILLAGE}|opened a new practice) (last|in) {MONTH}.",
]


def topic_jobs(rng):
    return {}, JOBS


SPORTS = [
    "(We|They|I) (play {SPORT} every|played {SPORT} last|watched {SPORT} on) {DAY}.",
    "The {SPORT} (match|game|final|season) (starts|started|ended) in {MONTH}.",
    "{PERSON} (plays|played|loves|coaches) {SPORT} and {SPORT}.",
    "The (team|club|school) won the {SPORT} (final|cup|match|league) (again|this year|in {CITY}).",
    "(Is|Was) {SPORT} more popular than {SPORT} in {CITY}?",
    "(He|She|They) (scored|won|lost) (in|at) the {ORD} (minute|round|set|half).",
    "The {SPORT} (team|club|coach|players) (trained|practised) (hard|all week|on {DAY}).",
    "(Tickets|Seats) for the {SPORT} (match|final|game) (sold out|were expensive|were cheap).",
    "It was a {POS} (game|match|final)!",
    "{SURNAME} (scored|missed|saved a penalty) (early|late|twice) (and|before) {SURNAME} (equalised|scored "
    "again|was sent off).",
]


def topic_sports(rng):
    return {}, SPORTS


SCHOOL_MUSIC = [
    "{PERSON} (studies|teaches|loves|hates) {SUBJECT} and {SUBJECT}.",
    "The {SUBJECT} (exam|test|class|lesson|teacher) (was|is) on {DAY}.",
    "(My|Her|His) {FAMILY} (plays|learned|teaches) the {INSTR}[ and the {INSTR}].",
    "{PERSON} (practised|played) the {INSTR} for {SMALLNUM} hours (every day|on {DAY}).",
    "{SUBJ} (got|had) (top|good|bad) (marks|grades) in {SUBJECT}.",
    "The concert (had|featured) a {INSTR}, a {INSTR} and (two|three) {INSTR:pl}.",
    "(I|We) (want|wanted) to learn the {INSTR} (or|and) the {INSTR}.",
    "{SUBJECT} (was|is) (harder|easier|more fun) than {SUBJECT}.",
]


def topic_school(rng):
    return {}, SCHOOL_MUSIC


NUMBERS = [
    "(We|They) (waited|stayed|worked|walked) for {NUM} {UNIT}.",
    "(There were|We saw|They counted) {NUM} (people|cars|children|houses|books) (there|in the {PLACE}).",
    "It (costs|cost) {NUM} (pounds|euros|dollars).",
    "{SMALLNUM} (plus|times|minus) {SMALLNUM} (is|makes) {NUM}.",
    "The (train|bus|film|meeting) (lasted|took) {NUM} {UNIT}.",
    "(About|Nearly|Almost|Over) {NUM} (people|students|fans|guests) (came|arrived|attended).",
    "{SUBJ} (is|was) {NUM} years old (now|then|in {MONTH}).",
    "The {ORD} (one|chapter|day|match) was the (best|longest|hardest).",
]


def topic_numbers(rng):
    return {}, NUMBERS


GARDEN = [
    "(We|They|I) planted {FLOWER:pl} and {FLOWER:pl} (by|along|near) the {FURN}.",
    "The {FLOWER:pl} (are|were) (out|blooming|dying) (early|late) this {SEASON}.",
    "{PERSON} (cut down|pruned|planted) the {AGE} {TREE} (in|behind) the garden.",
    "(An|The) {AGE} {TREE} (stood|grew|fell) (by|near|across) the {NATURE}.",
    "(Pass|Bring|Fetch) me the {TOOL} and the {TOOL}, please.",
    "(We|They) (walked|cycled|hiked) (along|beside|around) the {NATURE} (on|last) {DAY}.",
    "The {TREE:pl} and {TREE:pl} (turn|turned) {COLOUR} in {MONTH}.",
    "(My|Our) {FAMILY} (grows|grew) {VEG:pl}, {VEG:pl} and {FLOWER:pl}.",
    "A {BIRD} (built|made) a nest in the {TREE}.",
    "The (garden|field|meadow) was full of {COLOUR} {FLOWER:pl}.",
]


def topic_garden(rng):
    return {}, GARDEN


HEALTH = [
    "{PERSON} (had|has|caught) (a|the) {ILL} and stayed in bed (on|until) {DAY}.",
    "(My|Her|His) {BODY} (hurts|hurt|was sore) after (the|a) (long walk|match|run|fall).",
    "The {JOB} (said|told {OBJ}) to rest {POSS} {BODY} for {SMALLNUM} {UNIT}.",
    "(I|We) (went|had to go) to the (doctor|hospital|pharmacy) (on|last) {DAY}.",
    "{SUBJ} (broke|hurt|twisted) {POSS} {BODY} (playing|during) {SPORT}.",
    "(Drink|Have) (plenty of|some) {DRINK} and (rest|sleep) (well|a lot).",
    "Half the (office|class|team) (was|were) off with (a|the) {ILL}.",
    "(I|{SUBJ}) (felt {TIRED} and had|was {TIRED} with) a (terrible|bad|slight) {ILL}.",
]


def topic_health(rng):
    return {}, HEALTH


HOBBIES = [
    "{PERSON} (loves|enjoys|took up|gave up) {HOBBY} (last|in|this) {SEASON}.",
    "(My|Her|His) {FAMILY} (does|likes|teaches) {HOBBY} and {HOBBY}.",
    "(On|Every) {DAY:pl} (we|they) (go|went) {HOBBY}.",
    "(I|We) spent the (weekend|afternoon|evening) {HOBBY} and (reading|relaxing|sleeping).",
    "{HOBBY} is (more|less) (relaxing|fun|expensive|difficult) than {HOBBY}.",
    "The {HOBBY} club (meets|met) (every|on|last) {DAY} at the {PLACE}.",
    "{SUBJ} (found|joined|started) a {HOBBY} (group|class|course) in {CITY}.",
]


def topic_hobbies(rng):
    return {}, HOBBIES


OFFICE = [
    "(I|We|{SUBJ}) (sent|wrote|finished|checked) the {OFFICE} (on|before|by) {DAY}.",
    "The {OFFICE} (is|was) due (on|by|next) {DAY}.",
    "(My|Our|The) {FRIEND} (forgot|lost|missed) the {OFFICE} again.",
    "The {OFFICE} and the {OFFICE} (took|will take) {SMALLNUM} {UNIT}.",
    "(Our|The) boss (liked|hated|rejected|approved) the {OFFICE}.",
    "(We|They) had a {OFFICE} (about|on) {NEWSTOPIC} (at|after) {MEAL}.",
    "(I|We) (work|worked) late (on|every) {DAY:pl} (in|during) {MONTH}.",
]


def topic_office(rng):
    return {}, OFFICE


HOME = [
    "(I|We|{SUBJ}) (lost|forgot|found) (my|our|her|his) {THING} (in|under|behind) the {FURN}.",
    "Have you seen my {THING}? (I|We) left it (in the {ROOM}|on the {FURN}).",
    "(Don't|Do not) forget your {THING} and your {THING}!",
    "{PERSON} (found|dropped|left) a {THING} (at|outside|near) the {PLACE}.",
    "The {THING} was (in|on) the {FURN} (all along|the whole time).",
    "(We|They) (moved|carried|painted|sold) the {AGE} {FURN} (into|out of) the {ROOM}.",
    "The {ROOM} (is|was) {BIG} and {NICE}[ but (a bit|rather) {TEMP}].",
    "(We|They) (live|lived|moved) (to|on) {VILLAGE} (Road|Lane|Street|Avenue)[ in {VILLAGE}].",
    "The (flat|house|cottage) (is|was) {DESC}, {DESC} and (cheap|expensive|small).",
]


def topic_home(rng):
    return {}, HOME


# (topic, weight): a mild Zipf-like spread over topics.
TOPICS = [
    (topic_review, 16),
    (topic_everyday, 11),
    (topic_travel, 10),
    (topic_food, 9),
    (topic_news, 8),
    (topic_animals, 8),
    (topic_family, 7),
    (topic_calendar, 6),
    (topic_emotions, 6),
    (topic_transport, 6),
    (topic_weather, 5),
    (topic_colours, 5),
    (topic_jobs, 4),
    (topic_sports, 4),
    (topic_school, 3),
    (topic_numbers, 3),
    (topic_home, 4),
    (topic_garden, 3),
    (topic_health, 3),
    (topic_hobbies, 2),
    (topic_office, 2),
]
_TOPIC_CUM = list(itertools.accumulate(w for _, w in TOPICS))

_A_AN_RE = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])")
_SPACE_RE = re.compile(r"\s+")
_PUNCT_RE = re.compile(r" ([,.!?])")


def finish_sentence(s: str) -> str:
    s = _SPACE_RE.sub(" ", s).strip()
    s = _PUNCT_RE.sub(r"\1", s)
    s = _A_AN_RE.sub(lambda m: m.group(1) + "n ", s)
    if s and s[-1] not in ".!?":
        s += "."
    return s[:1].upper() + s[1:]


def paragraph(rng: Random) -> str:
    topic = TOPICS[bisect.bisect_right(_TOPIC_CUM, rng.random() * _TOPIC_CUM[-1])][0]
    env, templates = topic(rng)
    env = {**people(rng), **env}
    n = min(len(templates), rng.choice((2, 3, 3, 4, 4, 5, 6)))
    picked = rng.sample(templates, n)
    if rng.random() < 0.35:
        picked.insert(rng.randrange(1, n + 1), rng.choice(GENERAL))
    return " ".join(finish_sentence(expand(t, rng, env)) for t in picked)


def generate(lines: int, seed: int):
    rng = Random(seed)
    for _ in range(lines):
        yield paragraph(rng)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default="-", help="output file ('-' for stdout; a .gz name is gzipped)")
    ap.add_argument(
        "--lines", type=int, default=DEFAULT_LINES, help=f"number of paragraphs/lines (default {DEFAULT_LINES})"
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = ap.parse_args(argv)
    if args.lines < 0:
        ap.error("--lines must be >= 0")

    text = "".join(line + "\n" for line in generate(args.lines, args.seed))
    data = text.encode("utf-8")
    if args.output == "-":
        sys.stdout.buffer.write(data)
    elif args.output.endswith(".gz"):
        import gzip

        with open(args.output, "wb") as raw:
            # mtime=0 and no file name keep the archive byte-identical.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                gz.write(data)
    else:
        with open(args.output, "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
