"""The model's agents, one kind per module."""

from simulation.model.agents.enforcement import Case, EnforcementAgency
from simulation.model.agents.jurisdiction import Jurisdiction
from simulation.model.agents.network import TraffickingNetwork
from simulation.model.agents.ngo import NGO
from simulation.model.agents.trafficker import ROLES as TRAFFICKER_ROLES
from simulation.model.agents.trafficker import Trafficker
from simulation.model.agents.victim import Victim, Victims

__all__ = ["Case", "EnforcementAgency", "Jurisdiction", "NGO", "TRAFFICKER_ROLES", "Trafficker",
           "TraffickingNetwork", "Victim", "Victims"]
