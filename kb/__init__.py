"""Praxisatlas Digitale Zwillinge: Wissensbasis kommunaler Praxisbeispiele."""

__version__ = "0.2.1"
