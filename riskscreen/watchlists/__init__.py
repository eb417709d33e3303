"""The watchlist domain in one package: entity lists and country/region-wide rules.

`load` (the embedded UFLPA and CBP lists plus user lists → `Watchlists`), `check` (a user
list checked row by row), `index` (the listed names' searchable keys, built once per load),
`names` (`screen_names`: supplier names against the listed names), `features` (the named
features that score a name match and explain it), `scopes` (CBP orders, presumptions in law
and ILAB findings that name no company); the name helpers `name_normalise`, `name_abbrev`,
`vendor_notes`.
Countries are read by the one country resolver, `riskscreen.match.countries`.
"""

from riskscreen.watchlists.check import WatchlistCheck, check_watchlist
from riskscreen.watchlists.load import Watchlists, load_watchlists
from riskscreen.watchlists.names import screen_names
from riskscreen.watchlists.scopes import match_law_rules, match_scopes

__all__ = ["Watchlists", "WatchlistCheck", "load_watchlists", "check_watchlist",
           "screen_names", "match_scopes", "match_law_rules"]
