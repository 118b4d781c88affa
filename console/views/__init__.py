"""The console's pages, one module per concern; `routes` lists them all."""
