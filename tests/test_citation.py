"""CITATION.cff is valid Citation File Format 1.2.0 and names this version; the changelog keeps
an Unreleased section and one per version (Keep a Changelog)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
# The Citation File Format's official 1.2.0 schema, as the cffconvert package ships it
# (cffconvert itself pins jsonschema < 4, which the rest of the test suite cannot use).
CFF_SCHEMA = Path(__file__).parent / "data" / "citation-file-format-1.2.0.schema.json"


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_citation_file_is_valid_cff_with_the_package_version():
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    schema = json.loads(CFF_SCHEMA.read_text())
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["cff-version"] == "1.2.0" and data["license"] == "MIT"
    assert data["version"] == project_version()
    assert data["authors"] == [{"name": "The tipsim developers"}]


def test_citation_schema_rejects_a_broken_file():
    schema = json.loads(CFF_SCHEMA.read_text())
    broken = {"cff-version": "1.2.0", "message": "x", "title": "tipsim", "authors": [],
              "license": "not-a-licence"}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_changelog_has_unreleased_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text and f"## [{project_version()}]" in text
    for section in ("### Added", "### Changed", "### Fixed"):
        assert section in text
