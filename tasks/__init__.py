"""Keyword libraries and domain logic behind the robots, one package per step."""
