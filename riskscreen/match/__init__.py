"""Resolvers that map messy supplier values to reference data: import from the submodules.

`riskscreen.match.countries.resolve_countries`, `riskscreen.match.products.resolve_products`,
`riskscreen.match.entities.screen_names`; `riskscreen.match.normalise` holds the shared text key.
"""

__all__: list[str] = []
