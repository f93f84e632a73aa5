from django.db import migrations

from core.search_indexes import AddTrigramSearchIndex


class Migration(migrations.Migration):
    dependencies = [("dialogues", "0002_workshop_end_index")]

    operations = [
        AddTrigramSearchIndex(model_name="initiative", field="title", name="initiative_title_trgm"),
        AddTrigramSearchIndex(model_name="initiative", field="codename", name="initiative_codename_trgm"),
        AddTrigramSearchIndex(model_name="initiative", field="conflict", name="initiative_conflict_trgm"),
        AddTrigramSearchIndex(model_name="workshop", field="title", name="workshop_title_trgm"),
        AddTrigramSearchIndex(model_name="workshop", field="city", name="workshop_city_trgm"),
        AddTrigramSearchIndex(model_name="workshop", field="venue", name="workshop_venue_trgm"),
    ]
