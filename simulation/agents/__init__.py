"""The model's agents, one kind per module."""

from simulation.agents.enforcement import Case, EnforcementAgency
from simulation.agents.jurisdiction import Jurisdiction
from simulation.agents.network import TraffickingNetwork
from simulation.agents.ngo import NGO
from simulation.agents.trafficker import ROLES as TRAFFICKER_ROLES
from simulation.agents.trafficker import Trafficker
from simulation.agents.victim import Victim, Victims

__all__ = ["Case", "EnforcementAgency", "Jurisdiction", "NGO", "TRAFFICKER_ROLES", "Trafficker",
           "TraffickingNetwork", "Victim", "Victims"]
