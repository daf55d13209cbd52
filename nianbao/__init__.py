"""nianbao: verified extraction of government information-disclosure annual report tables."""

__version__ = "0.1.0"
