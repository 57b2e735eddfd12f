"""The participatory seller game: students play the sellers, bots are the customers."""
