"""The model's processes, one module per ODD submodel (docs/ODD.md section 6).

Agents hold state and answer small questions; the functions here act on them. Each takes the
model first and uses only the part of it documented on
:class:`~simulation.model.trafficking_model.TraffickingModel` (its parameters, agents, the victims'
table, pools, calendars, counters and caches); each module declares in ``READS`` and ``CHANGES``
what of the model its code reads and changes. The modules import each other without a cycle
(``tests/test_architecture.py``). ``TraffickingModel.step()`` calls them in the weekly order of ODD
section 3:

=====================  ==============================================================
module                 ODD submodel
=====================  ==============================================================
``policy``             6.1 policy schedule
``region``             5 initialisation; where networks work and who founds them
``recruitment``        6.2 recruitment
``movement``           6.3 movement and border checks
``exploitation``       6.4 exploitation (and the weekly draw of exits from it)
``markets``            6.2, 6.4 revenue and the unmet share of demand (questions only)
``identification``     6.5 identification, misidentification and other exits
``referral``           6.5 referral by a first responder to the referral mechanism
``confirmation``       6.5 the referral mechanism's decision: confirmed as a victim or not
``spells``             6.5 the record of exploitation spells
``support``            6.6 support, trust and testimony
``cases``              6.7 leads and the opening of cases
``investigation``      6.7 investigation
``cross_border``       6.8 cross-border work
``justice``            6.9 prosecution and sentencing
``network_response``   6.10 network response
``deterrence``         6.11 perceived risk of punishment
``turnover``           6.11 desistance and the entry of new networks
``online``             6.2, 6.5, 6.7 online recruitment and its monitoring
``recovery``           6.12 recovery and re-trafficking
``costs``              6.13 costs
=====================  ==============================================================
"""
