"""Demo accounts and the bottlenecks of the region's 12 April 2018 providers' session.

The texts paraphrase the session minutes (shared/seeds/002) in Dutch; organisations are
the generator's fictitious ones.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd

from data_access.register import service_levels

DEMO_PASSWORD = "spic-demo-2018"  # shown on the login page while demo accounts exist
_CREATED = pd.Timestamp("2018-04-12 09:00", tz="UTC")

DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("demo.beheerder", "Beheerder (demo)", "beheerder", None),
    ("demo.kerngroep", "Kerngroeplid (demo)", "kerngroep", None),
    ("demo.contractmanager", "Contractmanager (demo)", "contractmanager", None),
    ("demo.adviseur", "Beleidsadviseur (demo)", "adviseur", None),
    (
        "demo.aanbieder",
        "Aanbieder Horizon (demo)",
        "aanbieder",
        "Horizon Jeugd & Gezin",
    ),
    (
        "demo.aanbieder2",
        "Aanbieder Zonnebloem (demo)",
        "aanbieder",
        "Praktijk De Zonnebloem",
    ),
)

PORTEFEUILLE_DEMO = (
    "Horizon Jeugd & Gezin",
    "Jeugdzorg Amstelland Groep",
    "Ambulante Hulp Waterland",
    "Jeugdpraktijk Stroomversnelling",
    "Praktijk De Zonnebloem",
    "Praktijk Vlinderhuis",
    "Kindpraktijk Noorderlicht",
)

STATUS_PAD = ("nieuw", "in_behandeling", "geagendeerd", "besloten", "opgelost")

# soort, categorie, segment, profiel, aanbieder, gemeenten, gezinnen, urgentie, status, dag,
# titel, omschrijving
_ITEMS: tuple[tuple, ...] = (
    (
        "knelpunt",
        "geen_hoofdaannemer_b",
        "B",
        None,
        "Praktijk De Zonnebloem",
        ["GM0363"],
        25,
        "hoog",
        "besloten",
        "2018-04-16",
        "B-aanbieders vinden geen hoofdaannemer",
        (
            "Kleine aanbieders in segment B komen met het B-tarief niet uit en zoeken een hoofdaannemer "
            "die de verantwoordelijkheid wil dragen. Dat lukt vaak niet, en dan blijft de financiering "
            "achter. Het gaat om nieuwe cliënten, niet alleen om conversie."
        ),
    ),
    (
        "knelpunt",
        "lokale_teams_onderaannemers",
        "C",
        None,
        "Horizon Jeugd & Gezin",
        ["GM0363", "GM0479"],
        12,
        "middel",
        "in_behandeling",
        "2018-04-18",
        "Lokale teams vullen onderaannemers al in bij de doelen",
        (
            "Perspectiefplannen komen binnen met onderaannemers al gekoppeld aan de doelen. De "
            "hoofdaannemer hoort zelf de onderaannemers te kiezen om de doelen te halen."
        ),
    ),
    (
        "knelpunt",
        "b_aanbod_past_niet",
        "B",
        3,
        "Jeugdpraktijk Stroomversnelling",
        ["GM0363"],
        18,
        "hoog",
        "geagendeerd",
        "2018-04-20",
        "Zwaardere problematiek past niet in het B-aanbod",
        (
            "Bij een deel van de gezinnen blijkt de problematiek zwaarder dan ingeschat. Het B-aanbod "
            "past dan niet, maar een overstap naar C kost maanden."
        ),
    ),
    (
        "knelpunt",
        "residentieel_ambulant",
        "C",
        7,
        "Ambulante Hulp Waterland",
        ["GM0479", "GM0439"],
        4,
        "hoog",
        "geagendeerd",
        "2018-05-02",
        "Ambulante hoofdaannemer moet negen maanden verblijf inkopen",
        (
            "Als residentiële behandeling nodig is, moet de ambulante hoofdaannemer voor negen maanden "
            "een 24-uursplek inkopen. Dat zet de organisatie financieel en in de zorgverantwoordelijkheid "
            "onder druk."
        ),
    ),
    (
        "knelpunt",
        "facturatie_administratie",
        "C",
        None,
        "Traumapraktijk Lichtpunt",
        ["GM0363"],
        None,
        "laag",
        "nieuw",
        "2018-05-15",
        "Extra factuurstroom naar hoofdaannemers",
        (
            "Naast gemeenten en zorgverzekeraars moet nu ook handmatig aan hoofdaannemers worden "
            "gefactureerd. Dat kost veel administratietijd."
        ),
    ),
    (
        "knelpunt",
        "continuiteit_conversie",
        "B",
        None,
        "Praktijk Vlinderhuis",
        ["GM0362"],
        9,
        "middel",
        "opgelost",
        "2018-04-25",
        "Zorgcontinuïteit voor conversiecliënten",
        (
            "Voor cliënten uit het oude stelsel is onduidelijk hoe de zorg doorloopt tot de herindicatie "
            "en het nieuwe perspectiefplan er zijn."
        ),
    ),
    (
        "knelpunt",
        "crisiscapaciteit",
        "C",
        None,
        "Horizon Jeugd & Gezin",
        ["GM0363"],
        None,
        "hoog",
        "in_behandeling",
        "2018-05-20",
        "Geen teams klaar voor crisis en zeer complexe situaties",
        "Voor crisis of heftige, complexe situaties staan nog geen integrale teams klaar.",
    ),
    (
        "knelpunt",
        "tarief_financiering",
        "B",
        None,
        "Praktijk Vlinderhuis",
        ["GM0363"],
        30,
        "hoog",
        "nieuw",
        "2018-06-01",
        "Kleine aanbieders overwegen te stoppen in Amsterdam",
        (
            "Meerdere kleine praktijken geven aan te stoppen met hun aanbod in Amsterdam als de "
            "financiering in B niet snel wordt opgelost. Ze willen graag meedenken over oplossingen."
        ),
    ),
    (
        "knelpunt",
        "geen_hoofdaannemer_b",
        "B",
        None,
        "Kindpraktijk Noorderlicht",
        ["GM0384"],
        6,
        "middel",
        "samengevoegd",
        "2018-04-17",
        "Gemeente adviseert B-aanbieder zelf een hoofdaannemer te zoeken",
        (
            "Ouders kiezen voor behandeling bij een B-aanbieder; de gemeente zegt dan een hoofdaannemer "
            "te zoeken. Als dat niet lukt, blijft de financiering achter."
        ),
    ),
    (
        "knelpunt",
        "overig",
        "C",
        None,
        "Jeugdzorg Amstelland Groep",
        ["GM0363"],
        3,
        "hoog",
        "nieuw",
        "2018-06-12",
        "Geen uitstroomperspectief, dus nog geen hoofdaannemer",
        (
            "Zolang niet duidelijk is of een behandelopname of gesloten jeugdzorg nodig is, kan geen "
            "hoofdaannemer worden gekozen. Intussen zitten jongeren thuis."
        ),
    ),
    (
        "succes",
        "overig",
        "C",
        8,
        "Horizon Jeugd & Gezin",
        ["GM0363"],
        None,
        "laag",
        "in_behandeling",
        "2018-04-13",
        "Gereserveerde uren traumabehandeling: geen wachtlijst",
        (
            "Een traumapraktijk reserveert 24 uur per week voor jongeren van de hoofdaannemer. Daardoor "
            "kan behandeling direct starten en is er geen wachtlijst."
        ),
    ),
    (
        "succes",
        "overig",
        "C",
        None,
        "Horizon Jeugd & Gezin",
        ["GM0363"],
        None,
        "laag",
        "nieuw",
        "2018-04-14",
        "Sportschool als onderaannemer werkt aan pedagogische doelen",
        (
            "Een sportschool, geen jeugdhulporganisatie, werkt met zeer complexe jongeren aan "
            "pedagogische doelen, in nauw contact met de ambulant hulpverlener."
        ),
    ),
    (
        "succes",
        "overig",
        "B",
        2,
        "Praktijk De Zonnebloem",
        ["GM0362"],
        None,
        "laag",
        "besloten",
        "2018-04-19",
        "B-begeleiding en C-expertise samen bij eetproblemen",
        (
            "Een B-aanbieder doet de begeleiding thuis, een C-aanbieder levert de expertise rond eten. "
            "Samen bieden ze ondersteuning die ze alleen niet kunnen bieden."
        ),
    ),
    (
        "knelpunt",
        "lokale_teams_onderaannemers",
        "C",
        None,
        "Jeugdzorg Amstelland Groep",
        ["GM0479"],
        None,
        "laag",
        "afgewezen",
        "2018-05-08",
        "Wijkteam weigert keuze van ouders voor B-praktijk",
        "Ouders wilden begeleiding bij een B-praktijk; de hoofdaannemer wilde het alleen doen.",
    ),
    (
        "knelpunt",
        "b_aanbod_past_niet",
        "B",
        1,
        "Praktijk De Zonnebloem",
        ["GM0363", "GM0362"],
        14,
        "middel",
        "besloten",
        "2018-06-20",
        "Langdurige dagbehandeling past niet in B of C",
        (
            "Kinderen die geen hoogspecialistische hulp nodig hebben maar wel langdurige behandeling in "
            "een dagcentrum, passen niet in het B-aanbod en niet in C."
        ),
    ),
    (
        "knelpunt",
        "tarief_financiering",
        "C",
        None,
        "Horizon Jeugd & Gezin",
        ["GM0363", "GM0479"],
        None,
        "middel",
        "in_behandeling",
        "2019-02-04",
        "SPIC raakt snel op door inhuur onderaannemers",
        (
            "Bij inzet van onderaannemers raken de SPIC-middelen snel op. Tarieven zijn gemiddelden; "
            "per traject is er tekort of overschot. Onder de streep moet het kloppen."
        ),
    ),
)

_BESLUITEN = {
    "B-aanbieders vinden geen hoofdaannemer": (
        (
            "Tussenoplossing: contractmanagers bemiddelen binnen vier weken bij het vinden van een "
            "hoofdaannemer; kerngroep monitort het verschil tussen B- en C-tarieven."
        ),
        ("Per kwartaal het aantal bemiddelde cliënten rapporteren", "Contractmanagers"),
    ),
    "Zorgcontinuïteit voor conversiecliënten": (
        "Contractmanager en aanbieder borgen samen de zorg tot de herindicatie.",
        ("Afspraak vastleggen in de contractgesprekken", "Contractmanager (demo)"),
    ),
    "B-begeleiding en C-expertise samen bij eetproblemen": (
        "Voorbeeld opnemen in de toolkit op de regionale website.",
        ("Voorbeeld in de toolkit zetten", "Communicatie regio"),
    ),
    "Langdurige dagbehandeling past niet in B of C": (
        "Onderzoek naar een aparte SPIC of maatwerkafspraak voor langdurige dagbehandeling.",
        ("Rapporteren in de volgende kerngroep", "Werkgroep inkoop"),
    ),
}


def demo_users(aanb: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = dict(zip(aanb["naam"], aanb["id"], strict=True))
    users = pd.DataFrame(
        [
            {
                "id": i,
                "gebruikersnaam": u,
                "weergavenaam": w,
                "email": None,
                "rol": r,
                "aanbieder_id": ids[a] if a else None,
                "regio_code": None,
                "actief": True,
                "is_demo": True,
                "mislukte_pogingen": 0,
                "aangemaakt": _CREATED,
            }
            for i, (u, w, r, a) in enumerate(DEMO_ACCOUNTS, start=1)
        ]
    )
    users["aanbieder_id"] = users["aanbieder_id"].astype("Int64")
    cm = int(users.loc[users["rol"] == "contractmanager", "id"].iloc[0])
    port = pd.DataFrame({"gebruiker_id": cm, "aanbieder_id": [ids[n] for n in PORTEFEUILLE_DEMO]})
    return users, port


def demo_knelpunten(aanb: pd.DataFrame, users: pd.DataFrame) -> dict[str, pd.DataFrame]:
    ids = dict(zip(aanb["naam"], aanb["id"], strict=True))
    uid = dict(zip(users["gebruikersnaam"], users["id"], strict=True))
    own_user = {
        int(a): int(u)
        for a, u in zip(users["aanbieder_id"], users["id"], strict=True)
        if pd.notna(a)
    }
    kp, kg, ev, counters = [], [], [], {}
    titel_id: dict[str, int] = {}
    for i, item in enumerate(_ITEMS, start=1):
        (
            soort,
            cat,
            seg,
            prof,
            aanbieder,
            gemeenten,
            gezinnen,
            urg,
            status,
            dag,
            titel,
            tekst,
        ) = item
        created = pd.Timestamp(dag + " 10:00", tz="UTC")
        year = created.year
        counters[year] = counters.get(year, 0) + 1
        aid = ids[aanbieder]
        by = own_user.get(aid, uid["demo.kerngroep"])
        steps = _path(status)
        assigned = uid["demo.contractmanager"] if len(steps) > 1 else None
        kp.append(
            {
                "id": i,
                "referentie": f"KNP-{year}-{counters[year]:04d}",
                "soort": soort,
                "titel": titel,
                "omschrijving": tekst,
                "categorie": cat,
                "segment": seg,
                "profiel_nr": prof,
                "aantal_gezinnen": gezinnen,
                "urgentie": urg,
                "status": status,
                "ingediend_door_id": by,
                "aanbieder_id": aid,
                "toegewezen_aan_id": assigned,
                "samengevoegd_in_id": 1 if status == "samengevoegd" else None,
                "aangemaakt": created,
                "gewijzigd": created + pd.Timedelta(days=7 * (len(steps) - 1)),
                "versie": len(steps),
                **dict(
                    zip(
                        ("reactie_deadline", "besluit_deadline"),
                        service_levels.deadlines(cat, service_levels.submission_day(created)),
                        strict=True,
                    )
                ),
            }
        )
        titel_id[titel] = i
        kg += [{"knelpunt_id": i, "gemeente_code": g} for g in gemeenten]
        ev.append(
            {
                "knelpunt_id": i,
                "tijdstip": created,
                "gebruiker_id": by,
                "soort": "aangemaakt",
                "van": None,
                "naar": "nieuw",
                "tekst": None,
                "intern": False,
            }
        )
        for k, (van, naar) in enumerate(itertools.pairwise(steps), start=1):
            ev.append(
                {
                    "knelpunt_id": i,
                    "tijdstip": created + pd.Timedelta(days=7 * k),
                    "gebruiker_id": uid["demo.kerngroep"],
                    "soort": "status",
                    "van": van,
                    "naar": naar,
                    "tekst": _reden(naar),
                    "intern": False,
                }
            )
        if assigned:
            ev.append(
                {
                    "knelpunt_id": i,
                    "tijdstip": created + pd.Timedelta(days=7, minutes=5),
                    "gebruiker_id": uid["demo.kerngroep"],
                    "soort": "toegewezen",
                    "van": None,
                    "naar": "demo.contractmanager",
                    "tekst": None,
                    "intern": False,
                }
            )
            ev.append(
                {
                    "knelpunt_id": i,
                    "tijdstip": created + pd.Timedelta(days=8),
                    "gebruiker_id": assigned,
                    "soort": "opmerking",
                    "van": None,
                    "naar": None,
                    "tekst": "Interne notitie: eerst navragen bij het lokale team.",
                    "intern": True,
                }
            )
    knelpunt = pd.DataFrame(kp)
    for col in (
        "profiel_nr",
        "aantal_gezinnen",
        "toegewezen_aan_id",
        "samengevoegd_in_id",
    ):
        knelpunt[col] = knelpunt[col].astype("Int64")
    events = pd.DataFrame(ev).sort_values(["tijdstip", "knelpunt_id"]).reset_index(drop=True)
    events.insert(0, "id", range(1, len(events) + 1))

    overleg = pd.DataFrame(
        {
            "id": [1, 2],
            "datum": [dt.date(2018, 6, 28), dt.date(2018, 10, 11)],
            "titel": [
                "Kerngroep specialistische jeugdhulp, juni 2018",
                "Kerngroep specialistische jeugdhulp, oktober 2018",
            ],
        }
    )
    agenda = []
    acties = []
    decided = [k for k in kp if k["status"] in ("besloten", "opgelost")]
    for order, k in enumerate(decided, start=1):
        besluit, actie = _BESLUITEN.get(k["titel"], ("Besproken; afgehandeld.", None))
        agenda.append(
            {"overleg_id": 1, "knelpunt_id": k["id"], "volgorde": order, "besluit": besluit}
        )
        if actie is not None:
            done = k["status"] == "opgelost"
            acties.append(
                {
                    "knelpunt_id": k["id"],
                    "agendapunt_id": len(agenda),
                    "omschrijving": actie[0],
                    "eigenaar": actie[1],
                    # An open action of a decided report is overdue in the demo: the kerngroep
                    # queue shows what that looks like.
                    "deadline": dt.date(2018, 12, 1),
                    "status": "gereed" if done else "open",
                    "aangemaakt": pd.Timestamp("2018-06-28 14:00", tz="UTC"),
                    "gewijzigd": pd.Timestamp("2018-06-28 14:00", tz="UTC"),
                    "versie": 1,
                }
            )
    for order, k in enumerate((k for k in kp if k["status"] == "geagendeerd"), start=1):
        agenda.append(
            {
                "overleg_id": 2,
                "knelpunt_id": k["id"],
                "volgorde": order,
                "besluit": None,
            }
        )
    agendapunt = pd.DataFrame(agenda)
    agendapunt.insert(0, "id", range(1, len(agendapunt) + 1))
    actie = pd.DataFrame(acties)
    actie.insert(0, "id", range(1, len(actie) + 1))
    volgnummer = pd.DataFrame(
        {"soort": "knelpunt", "jaar": list(counters), "waarde": list(counters.values())}
    )
    return {
        "knelpunt": knelpunt,
        "knelpuntgemeente": pd.DataFrame(kg),
        "knelpuntgebeurtenis": events,
        "overleg": overleg,
        "agendapunt": agendapunt,
        "actie": actie,
        "volgnummer": volgnummer,
    }


def _path(status: str) -> list[str]:
    if status in STATUS_PAD:
        return list(STATUS_PAD[: STATUS_PAD.index(status) + 1])
    return ["nieuw", status]  # afgewezen / samengevoegd straight from nieuw


def _reden(naar: str) -> str | None:
    return {
        "afgewezen": "Betreft een individuele casus; besproken met de contractmanager.",
        "samengevoegd": "Zelfde knelpunt als KNP-2018-0001; samengevoegd.",
    }.get(naar)
