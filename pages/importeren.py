"""Beheer → Gegevens importeren: templates, upload with validation, product codes, import log."""

import pandas as pd
import streamlit as st

from dashboard.auth import guard
from dashboard.components import XLSX_MIME, download
from dashboard.db import get_engine
from dashboard.formatting import aantal, datum
from data_access.imports import (
    Bestand,
    ImportGeweigerd,
    exporteer,
    importbeheer,
    importeer,
    uitvoerder_voor,
)
from data_access.imports.spec import SOORTEN
from data_access.imports.templates import csv_bytes, template, xlsx_bytes

identity, scope = guard("importeren")
engine = get_engine()
view = importbeheer(engine, scope)

st.title("Gegevens importeren")
st.write(
    "Lees trajecten, inzet, betalingen, uitkomsten, onderaannemingen en tarieven in uit CSV- of "
    "Excelbestanden volgens de sjablonen, of iJw-berichten (toewijzing JW301 en stop JW307, "
    "release 3.x) als XML. Een import is alles of niets: bij één fout wordt niets opgeslagen. "
    "Dezelfde rij opnieuw inlezen verandert niets."
)

with st.expander("Sjablonen en huidige gegevens downloaden", icon=":material/download:"):
    for soort in SOORTEN:
        st.markdown(f"**{soort.titel}**")
        st.caption(soort.uitleg)
        left, middle, right = st.columns(3)
        download(
            left,
            "Sjabloon CSV",
            data=template(soort, "csv"),
            file_name=f"sjabloon_{soort.key}.csv",
            mime="text/csv",
            key=f"tpl_csv_{soort.key}",
        )
        download(
            middle,
            "Sjabloon Excel",
            data=template(soort, "xlsx"),
            file_name=f"sjabloon_{soort.key}.xlsx",
            mime=XLSX_MIME,
            key=f"tpl_xlsx_{soort.key}",
        )
        download(
            right,
            "Huidige gegevens (CSV)",
            # Built on click: an export of all deliveries is large.
            data=lambda key=soort.key: exporteer(engine, scope, soort=key, fmt="csv"),
            file_name=f"{soort.key}.csv",
            mime="text/csv",
            key=f"exp_csv_{soort.key}",
        )

st.header("Bestanden inlezen")
with st.form("importeren", clear_on_submit=False):
    uploads = st.file_uploader(
        "Bestanden (CSV, Excel of iJw-XML)",
        type=["csv", "xlsx", "xml"],
        accept_multiple_files=True,
        help="Sleep de bestanden naar het vak of kies ze met de knop 'Browse files' (die tekst "
        "en 'Limit 200MB per file' toont Streamlit in het Engels). Maximaal 200 MB per "
        "bestand. Meerdere bestanden worden samen in één keer ingelezen; een werkmap mag een "
        "blad per soort bevatten.",
    )
    keuzes = {"": "Automatisch herkennen (aan bladnaam, bestandsnaam of kolommen)"}
    keuzes |= {s.key: s.titel for s in SOORTEN}
    soort_key = st.selectbox(
        "Soort gegevens", list(keuzes), format_func=keuzes.__getitem__, key="import_soort"
    )
    submitted = st.form_submit_button("Importeren", type="primary", icon=":material/upload:")

if submitted:
    if not uploads:
        st.error("Kies eerst een of meer bestanden.")
    else:
        bar = st.progress(0.0, text="Voorbereiden…")
        files = [Bestand(u.name, u.getvalue()) for u in uploads]
        try:
            verslagen = importeer(
                engine,
                uitvoerder=uitvoerder_voor(scope, identity.weergavenaam),
                bestanden=files,
                soort=soort_key or None,
                progress=lambda what, done: bar.progress(min(done, 1.0), text=what),
                refresh_dashboards=True,
            )
        except ImportGeweigerd as exc:
            bar.empty()
            st.error(
                f"De import is geweigerd: {aantal(exc.aantal)} fout(en). Er is niets opgeslagen. "
                "Verbeter de bestanden en lees ze opnieuw in.",
                icon=":material/error:",
            )
            st.dataframe(exc.fouten, hide_index=True, width="stretch")
            left, right = st.columns(2)
            download(
                left,
                "Fouten als CSV",
                data=csv_bytes(exc.fouten),
                file_name="importfouten.csv",
                mime="text/csv",
            )
            download(
                right,
                "Fouten als Excel",
                data=xlsx_bytes({"Fouten": exc.fouten}),
                file_name="importfouten.xlsx",
                mime=XLSX_MIME,
            )
        else:
            bar.empty()
            nieuw = sum(v.nieuw for v in verslagen)
            gewijzigd = sum(v.gewijzigd for v in verslagen)
            st.success(
                f"Import voltooid: {aantal(nieuw)} rijen toegevoegd, "
                f"{aantal(gewijzigd)} gewijzigd. De dashboards tonen de nieuwe gegevens.",
                icon=":material/check_circle:",
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        "Bestand": [v.bron for v in verslagen],
                        "Soort": [v.soort for v in verslagen],
                        "Rijen": [aantal(v.rijen) for v in verslagen],
                        "Nieuw": [aantal(v.nieuw) for v in verslagen],
                        "Gewijzigd": [aantal(v.gewijzigd) for v in verslagen],
                    }
                ),
                hide_index=True,
                width="stretch",
            )

st.header("Productcodes → SPIC")
koppeling = view.productkoppelingen
st.caption(
    f"{aantal(len(koppeling))} koppelingen. Een toewijzingsbericht (JW301) noemt een product "
    "(categorie + code); deze tabel zegt welke SPIC dat is. Wijzig haar door het sjabloon "
    "'Productcodes → SPIC' in te lezen."
)
st.dataframe(koppeling, hide_index=True, width="stretch", height=240)

st.header("Importlogboek")
log = view.log
if log.empty:
    st.info("Er is nog niets geïmporteerd.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Tijdstip": [datum(v) for v in log["tijdstip"]],
                "Door": log["uitgevoerd_door"],
                "Soort": log["soort"],
                "Bestand": log["bestandsnaam"],
                "Rijen": [aantal(v) for v in log["rijen"]],
                "Nieuw": [aantal(v) for v in log["nieuw"]],
                "Gewijzigd": [aantal(v) for v in log["gewijzigd"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
