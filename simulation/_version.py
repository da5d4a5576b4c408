"""The tipsim version, in one place (submodules import it from here, not from the package root,
so that they work whatever order the package imports them in)."""

__version__ = "0.1.0"
