"""Online recruitment and its monitoring (ODD 6.2, 6.5, 6.7).

Networks recruit a share of their victims online, leaving traces that monitoring can find:
victims recruited online are identified more readily where monitoring runs (6.5), and cases
against networks that recruit online gather more evidence and reach their recruiters (6.7).
Monitoring needs the platforms' cooperation to reach its full effect. Networks respond by
moving recruitment offline where monitoring makes online work risky (monthly, in their review).
"""

from __future__ import annotations

READS = ("jurisdictions", "params", "streams")
CHANGES = ()
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


ONLINE_SHARE = ("online_share_sexual", "online_share_labour", "online_share_criminal")
"""The parameter of each form (``registry.FORMS`` order)."""


def effective_monitoring(p, levers, officers: float = 1.0) -> float:
    """Online monitoring as it acts, 0-1: the capability, less what platforms that do not
    cooperate keep out of reach; nothing where there are no officers to act on what it finds."""
    if officers <= 0:
        return 0.0
    return levers["online_monitoring"] * (
        1 - p["platform_gap"] * (1 - levers["platform_cooperation"]))


def start_share(model, form: int, origin: int) -> float:
    """The share of its recruitment a new network does online before any risk: the form's,
    times how far people in the origin are reached online (its ``online_reach``), at most 1."""
    return min(1.0, model.params[ONLINE_SHARE[form]] * model.jurisdictions[origin].online_reach)


def recruited_online(model, network, rkey: int) -> bool:
    """Whether one recruit of ``network`` (``rkey``: the episode's stream key) was recruited
    online."""
    return model.streams.uniform("online", rkey) < network.online_share


def recruited_online_many(model, shares, rkeys):
    """:func:`recruited_online` for many recruits at once: ``shares``, their networks' online
    shares; ``rkeys``, their episodes' stream keys."""
    streams = model.streams
    return streams.table([streams.decision("online")], rkeys)[0] < shares


def adjust(model, network) -> None:
    """Monthly: move part of the way towards the online share the risk where the network
    recruits warrants: the form's share, less ``online_deterrence`` x effective monitoring."""
    adjust_many(model, (network,))


def adjust_many(model, networks) -> None:
    """:func:`adjust` of each of ``networks``: one pass, with the parameters read once (the
    month's review adjusts every network at once; none reads another's share)."""
    p = model.params
    jurisdictions = model.jurisdictions
    form_share = [p[name] for name in ONLINE_SHARE]
    deterrence, step = p["online_deterrence"], p["online_adjustment"]
    for network in networks:
        origin = jurisdictions[network.origin]
        # start_share(model, network.form, network.origin), less what monitoring deters
        target = (min(1.0, form_share[network.form] * origin.online_reach)
                  * (1 - deterrence * origin.online_monitoring))
        network.online_share += step * (target - network.online_share)
