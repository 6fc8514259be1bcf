"""Test messages in the structure of iJw release 3.2 (JW301 toewijzing, JW307 stop).

Element names and order follow the published XSDs (basisschema 3.2: Header with BerichtCode,
BerichtVersie, BerichtSubversie, Afzender, Ontvanger, BerichtIdentificatie, XsdVersie; Client
with Bsn, Geboortedatum, Geslacht, Naam and the products). The BSNs are test numbers that pass
the eleven-test; the names are invented.
"""

from __future__ import annotations

from dataclasses import dataclass

NS = "http://www.istandaarden.nl/ijw/3_2/{}/schema"
NAME = "Jansen"
FIRST_NAMES = "Pieter Jan"
BIRTH_DATE = "2009-04-17"


def _header(code: str, afzender: str, ontvanger: str, ident: str) -> str:
    return f"""
  <Header>
    <BerichtCode>{code}</BerichtCode>
    <BerichtVersie>3</BerichtVersie>
    <BerichtSubversie>2</BerichtSubversie>
    <Afzender>{afzender}</Afzender>
    <Ontvanger>{ontvanger}</Ontvanger>
    <BerichtIdentificatie>
      <Identificatie>{ident}</Identificatie>
      <Dagtekening>2019-03-01</Dagtekening>
    </BerichtIdentificatie>
    <XsdVersie>
      <BasisschemaXsdVersie>1.0.0</BasisschemaXsdVersie>
      <BerichtXsdVersie>1.0.0</BerichtXsdVersie>
    </XsdVersie>
  </Header>"""


def _client(bsn: str) -> str:
    return f"""
    <Bsn>{bsn}</Bsn>
    <Geboortedatum>
      <Datum>{BIRTH_DATE}</Datum>
      <DatumGebruik>1</DatumGebruik>
    </Geboortedatum>
    <Geslacht>1</Geslacht>
    <Naam>
      <Geslachtsnaam>
        <Achternaam>{NAME}</Achternaam>
      </Geslachtsnaam>
      <Voornamen>{FIRST_NAMES}</Voornamen>
      <Voorletters>PJ</Voorletters>
    </Naam>"""


@dataclass(frozen=True)
class Toewijzing:
    nummer: str
    categorie: str = "45"
    code: str = "B03I2"
    ingangsdatum: str = "2019-03-15"
    einddatum: str | None = "2020-03-14"


def jw301(
    bsn: str,
    toewijzingen: list[Toewijzing],
    gemeente: str = "0363",
    agb: str = "98000001",
) -> bytes:
    products = "".join(
        f"""
      <ToegewezenProduct>
        <ToewijzingNummer>{t.nummer}</ToewijzingNummer>
        <ReferentieAanbieder>REF-{t.nummer}</ReferentieAanbieder>
        <Product>
          <Categorie>{t.categorie}</Categorie>
          <Code>{t.code}</Code>
        </Product>
        <Toewijzingsdatum>2019-03-01</Toewijzingsdatum>
        <Toewijzingstijd>10:15:00</Toewijzingstijd>
        <Ingangsdatum>{t.ingangsdatum}</Ingangsdatum>
        {f"<Einddatum>{t.einddatum}</Einddatum>" if t.einddatum else ""}
        <Omvang>
          <Volume>1</Volume>
          <Eenheid>82</Eenheid>
          <Frequentie>6</Frequentie>
        </Omvang>
        <Commentaar>Toewijzing voor {NAME}</Commentaar>
      </ToegewezenProduct>"""
        for t in toewijzingen
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="{NS.format("jw301")}">{_header("436", gemeente, agb, "T301")}
  <Client>{_client(bsn)}
    <Commentaar>Moeder: mevrouw {NAME}</Commentaar>
    <ToegewezenProducten>{products}
    </ToegewezenProducten>
  </Client>
</Bericht>""".encode()


def jw307(
    bsn: str,
    nummer: str,
    einddatum: str,
    reden: str,
    agb: str = "98000001",
    gemeente: str = "0363",
    status: str = "1",
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="{NS.format("jw307")}">{_header("440", agb, gemeente, "T307")}
  <Client>{_client(bsn)}
    <StopProducten>
      <StopProduct>
        <ToewijzingNummer>{nummer}</ToewijzingNummer>
        <Product>
          <Categorie>45</Categorie>
          <Code>B03I2</Code>
        </Product>
        <ToewijzingIngangsdatum>2019-03-15</ToewijzingIngangsdatum>
        <Begindatum>2019-03-18</Begindatum>
        <Einddatum>{einddatum}</Einddatum>
        <RedenBeeindiging>{reden}</RedenBeeindiging>
        <StatusAanlevering>{status}</StatusAanlevering>
      </StopProduct>
    </StopProducten>
  </Client>
</Bericht>""".encode()
