"""Vision Leaderboard: model cards + eval suites + run records -> a static comparison site."""

__version__ = "0.1.0"
