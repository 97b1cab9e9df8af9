"""Pure functions over the store that compute what tabs and the command line show."""
