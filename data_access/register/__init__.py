"""The knelpuntenregister: reports and the meetings of the kerngroep.

`workflow` holds the transition table, `reports` every change to a report, `meetings` the
kerngroep's agenda and decisions, and `reads` what the register pages show. The register reads
and writes SQL directly (never the analytical snapshot): it must always be current.
"""
