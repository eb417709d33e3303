"""Resolvers that map messy supplier values to reference data: import from the submodules.

`riskscreen.match.countries.resolve_countries` (the one country resolver: supplier countries and
the countries of listed names alike), `riskscreen.match.products.resolve_products`;
`riskscreen.match.normalise` holds the shared text key. Supplier names against watchlists:
`riskscreen.watchlists` (which imports from here, never the other way).
"""

__all__: list[str] = []
