"""The local offer: the services of each territory, from data·inclusion (schema v1).

    schema         the records (structure, service) and their vocabularies, validated
    opening_hours  today's hours in plain French, from OpenStreetMap opening_hours
    importer       `python -m bot.offer import FILE --territory ID`: validate, then upsert
    query          `services_for`: up to three services of a territory for some thematiques
    view           what the assistant shows of a service (one SMS, or a longer web text)

Core layer: no Rasa here. Nothing is imported eagerly, so that the knowledge base can read the
vocabularies (`bot.offer.schema`) without loading the storage.
"""
