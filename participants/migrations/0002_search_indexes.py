from django.db import migrations

from core.search_indexes import AddTrigramSearchIndex


class Migration(migrations.Migration):
    dependencies = [("participants", "0001_initial")]

    operations = [
        AddTrigramSearchIndex(model_name="participant", field="full_name", name="participant_name_trgm"),
        AddTrigramSearchIndex(model_name="participant", field="codename", name="participant_codename_trgm"),
        AddTrigramSearchIndex(model_name="participant", field="email", name="participant_email_trgm"),
        AddTrigramSearchIndex(model_name="organization", field="name", name="organization_name_trgm"),
    ]
