"""The Django admin obeys the confidentiality rule like every other view.

``ScopedAdminMixin`` is the one piece every ``ModelAdmin`` and inline of Parley uses:

- the change list, change/delete views, history and autocomplete all start from
  ``Model.objects.visible_to(request.user)`` (or, for a model without its own rule, from the
  visible rows of the record it belongs to: ``visible_through``) — a hidden record is absent;
- choices of foreign keys, many-to-many fields and related-field list filters come from the
  related model's ``visible_to(user)``;
- level choices never exceed the admin's clearance;
- only users with role *admin* (and Django's ``is_staff``) get in at all;
- delete confirmations name records by type and number, never by title;
- opening the change page of a CONFIDENTIAL or higher record is logged, like its page on the site;
- every write goes through a service: an admin declares its services (``create_record``,
  ``update_record``, ``delete_record``; an inline whose rows its record's service saves, ``rows_argument``),
  and offers no add, change or delete it has no service for (the "writes" of ``ScopedAdminMixin``);
- no query-string lookup reaches a credential (a password hash, a second factor, an e-mail address
  record, a session): ``touches_credentials``. The models that hold them are not in the admin at all
  (``accounts.admin.withdraw_credential_models``).
"""

import datetime as dt

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth import get_user_model
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import JSONField, Q
from django.db.models.constants import LOOKUP_SEP
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import Http404, HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .audit import record_read
from .fields import StorableJSONField
from .forms import CheckedInlineFormSet
from .levels import assignable_levels
from .models import AccessLog, OutboxMessage
from .visibility import is_admin

LEVEL_FIELD_NAMES = ("level", "clearance")

# Where credentials live: allauth's e-mail addresses (a verified address is a way into an account) and
# authenticators (TOTP secrets, recovery codes), Django's sessions; and the password hash on the user.
CREDENTIAL_APP_LABELS = frozenset({"account", "mfa", "sessions", "usersessions", "socialaccount", "idp_oidc"})
CREDENTIAL_FIELD_NAMES = frozenset({"password", "session_key", "session_data"})


def is_credential_model(model):
    return model is not None and model._meta.app_label in CREDENTIAL_APP_LABELS


def touches_credentials(model, path):
    """Whether the lookup ``path`` (``user__password__startswith``) on ``model`` reaches a credential.

    Such a filter answers yes or no about a secret, so a page of results discloses it a character at a
    time. A credential field's name anywhere in the path is refused outright; otherwise the path is
    followed until a name does not resolve (the rest is a lookup or a transform).
    """
    parts = path.split(LOOKUP_SEP)
    if is_credential_model(model) or CREDENTIAL_FIELD_NAMES.intersection(parts):
        return True
    opts = model._meta
    for part in parts:
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return False
        if is_credential_model(field.related_model):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        opts = field.related_model._meta
    return False


# The most rows an inline offers to add (rows already stored are always shown and saved back).
INLINE_MAX_ROWS = 50


def date_drilldown_fits_calendar(params, field):
    """Whether the admin's drill-down by date on ``field`` stays on the calendar.

    Django bounds the year asked for by the first day of the next year (or month, or day), which
    after year 9998 does not exist: such a year is refused like any wrong lookup.
    """
    year = params.get(f"{field}__year")
    try:
        return year is None or int(year) < dt.MAXYEAR
    except ValueError:
        return True  # not a year at all: Django refuses it itself


def has_visible_to(model):
    return hasattr(model._default_manager, "visible_to")


def visible_queryset(model, user):
    """All rows of ``model`` the user may see (every row for models that are not confidential)."""
    manager = model._default_manager
    return manager.visible_to(user) if has_visible_to(model) else manager.all()


def may_use_admin(user):
    return bool(is_admin(user) and user.is_staff)


def record_label(obj):
    """How a record is named where its title could leak: type and number."""
    return f"{capfirst(obj._meta.verbose_name)} #{obj.pk}"


def view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" redirect, for records the user may see; 404 otherwise, as for a missing one.

    Django's own looks the record up unscoped, so its redirect would confirm that a hidden record exists
    (and, through the address, what it belongs to: a vetting case's participant, an invitation's workshop).
    """
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        visible = model is not None and visible_queryset(model, request.user).filter(pk=object_id).exists()
    except (ContentType.DoesNotExist, ValueError, ValidationError):
        visible = False
    if not visible:
        raise Http404
    return contenttype_views.shortcut(request, content_type_id, object_id)


def take_over(obj, created):
    """Make the admin's unsaved ``obj`` (a form's instance) the record a service created.

    The admin goes on with ``obj``: it saves the inlines against it, logs the addition and redirects to
    it, all of which need the stored record's primary key and values.
    """
    obj.pk = created.pk
    obj.refresh_from_db()
    obj._state.adding = False


def form_values(form):
    """A form's cleaned values as a service takes them: an inline row's own key and "Remove" box left out
    (an inline row's link to its record is kept: the record, under the name of its foreign key)."""
    left_out = {form._meta.model._meta.pk.name, DELETION_FIELD_NAME}
    return {name: value for name, value in form.cleaned_data.items() if name not in left_out}


def rows_noted(formset):
    """Note on ``formset`` what its ``save()`` would have: the rows it adds, changes and removes (the
    admin's history entry reads them). The services save the rows instead."""
    deleted = formset.deleted_forms
    formset.new_objects = [form.instance for form in formset.extra_forms if form.has_changed() and form not in deleted]
    formset.changed_objects = [
        (form.instance, form.changed_data)
        for form in formset.initial_forms
        if form.has_changed() and form not in deleted
    ]
    formset.deleted_objects = [form.instance for form in formset.initial_forms if form in deleted]


class VisibleRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter whose choices are only the related records the user may see."""

    def field_choices(self, field, request, model_admin):
        related = visible_queryset(field.related_model, request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            related = related.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in related]


class ScopedAdminMixin:
    """Put first in the bases of every ModelAdmin and InlineModelAdmin (see the module docstring)."""

    # For a model without ``visible_to``: the foreign key to the record whose visibility it shares.
    visible_through = None
    # Set to False only for a model that holds no confidential record.
    scoped = True
    # Inlines: a bounded number of rows, and counts in the POST that cannot make a server error.
    max_num = INLINE_MAX_ROWS
    formset = CheckedInlineFormSet

    # Writes (the "writes" section below): the services an admin or inline writes its records with. Each is a
    # method calling one service with plain values (``form_values(form)``), or None: that write is not
    # offered. ``create_record(request, form)`` returns the record created; ``update_record(request, obj,
    # form)`` changes ``obj``; ``delete_record(request, obj)``. An admin whose inlines give
    # ``rows_argument`` gets their rows too, by that name: ``create_record(request, form, **rows)``.
    create_record = None
    update_record = None
    delete_record = None
    # Inlines: the argument under which the record's own service takes this inline's rows (the complete
    # list, ``CheckedInlineFormSet.cleaned_rows``), saved in the same call as the record; None: the rows
    # are written one by one by this inline's own ``create_record``, ``update_record``, ``delete_record``.
    rows_argument = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not self.scoped:
            return queryset
        if hasattr(queryset, "visible_to"):
            return queryset.visible_to(request.user)
        if self.visible_through:
            parent = self.model._meta.get_field(self.visible_through).related_model
            return queryset.filter(**{f"{self.visible_through}__in": visible_queryset(parent, request.user)})
        raise ImproperlyConfigured(
            f"{type(self).__name__}: {self.model.__name__} has no visible_to(); set visible_through or scoped = False."
        )

    # --- choices

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and has_visible_to(db_field.related_model):
            kwargs["queryset"] = visible_queryset(db_field.related_model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and has_visible_to(db_field.related_model):
            kwargs["queryset"] = visible_queryset(db_field.related_model, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Raw JSON in the admin: refused where the database would answer with a server error.
        if type(db_field) is JSONField:
            kwargs.setdefault("form_class", StorableJSONField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name in LEVEL_FIELD_NAMES and "choices" not in kwargs:
            kwargs["choices"] = assignable_levels(request.user)
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """Plain related-field filters get their choices from ``visible_to`` too."""
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and "__" not in item:
                field = self.model._meta.get_field(item)
                if field.is_relation:
                    item = (item, VisibleRelatedFieldListFilter)
            filters.append(item)
        return filters

    def lookup_allowed(self, lookup, value, request=None):
        """No filter in the query string reaches a credential (``?password__startswith=…`` answers 400)."""
        if touches_credentials(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    # --- who gets in

    def has_module_permission(self, request):
        return may_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user)

    # An add, change or delete is offered only where a service does it (see "writes").

    def has_add_permission(self, request, obj=None):
        return may_use_admin(request.user) and (self.rows_argument is not None or self.create_record is not None)

    def has_change_permission(self, request, obj=None):
        return may_use_admin(request.user) and (self.rows_argument is not None or self.update_record is not None)

    def has_delete_permission(self, request, obj=None):
        return may_use_admin(request.user) and (self.rows_argument is not None or self.delete_record is not None)

    # --- writes: every one through the services the admin declares, none through the forms' own save()

    @property
    def saves_rows_with_record(self):
        """Whether the record's service saves the rows of some inline with it (``rows_argument``)."""
        return any(inline.rows_argument is not None for inline in getattr(self, "inlines", ()))

    def record_written(self, request, obj, form, change, **rows):
        if change:
            self.update_record(request, obj, form, **rows)
        else:
            take_over(obj, self.create_record(request, form, **rows))

    def save_model(self, request, obj, form, change):
        if not self.saves_rows_with_record:  # else with its rows, in save_related
            self.record_written(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """The inlines' rows; no ``form.save_m2m()``: a service saves many-to-many values with the record
        (they are in ``form.cleaned_data``)."""
        with_record = [formset for formset in formsets if formset.admin_inline.rows_argument is not None]
        if self.saves_rows_with_record:
            rows = {formset.admin_inline.rows_argument: formset.cleaned_rows() for formset in with_record}
            for formset in with_record:
                rows_noted(formset)
            self.record_written(request, form.instance, form, change, **rows)
        for formset in formsets:
            if formset not in with_record:
                self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        """An inline's rows one by one through the inline's services: the rows removed first, then those
        changed, then the new ones (so that a row may take a unique value another gave up)."""
        inline = formset.admin_inline
        rows_noted(formset)  # before the rows are written: a row saved is no longer a change to the form
        deleted = formset.deleted_forms
        stored = [row for row in formset.initial_forms if row.instance.pk is not None]  # else gone meanwhile
        for row in stored:
            if row in deleted:
                inline.delete_record(request, row.instance)
        for row in stored:
            if row not in deleted and row.has_changed():
                inline.update_record(request, row.instance, row)
        for row in formset.extra_forms:
            if row not in deleted and row.has_changed():
                take_over(row.instance, inline.create_record(request, row))

    def get_formset(self, request, obj=None, **kwargs):
        """Inlines: the formset knows its inline, whose services write its rows (``save_formset``)."""
        formset = super().get_formset(request, obj, **kwargs)
        formset.admin_inline = self
        return formset

    def delete_model(self, request, obj):
        self.delete_record(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):  # all or none
            for obj in queryset:
                self.delete_record(request, obj)

    # --- bad input: a clear answer, never a server error

    def get_changelist_instance(self, request):
        if self.date_hierarchy and not date_drilldown_fits_calendar(request.GET, self.date_hierarchy):
            raise IncorrectLookupParameters  # the change list answers with its "?e=1" page
        return super().get_changelist_instance(request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A service refusing the save, or a clash the forms could not see (rows trading unique values, a
        row saved by someone else in the meantime), undoes the whole save and says so, instead of a server
        error."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:  # a service's rule, checked again at save time: nothing was saved
            return self.refusal_shown(request, refused)
        except IntegrityError:
            self.message_user(
                request,
                _(
                    "Nothing was saved: two rows would have had the same details (a name, a number or a "
                    "person that must be unique). Check the rows and save again."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        """A service refusing the deletion: nothing deleted (Django's view runs in one transaction), and said."""
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refused:
            return self.refusal_shown(request, refused)

    def changelist_view(self, request, extra_context=None):
        """An action (deleting the rows chosen) runs in one transaction: a refusal of a service for one row
        undoes it for all, and is said."""
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)
        except ValidationError as refused:
            return self.refusal_shown(request, refused)

    def refusal_shown(self, request, refused):
        for message in refused.messages:
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    # --- reads are logged as on the site's detail pages

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        record = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and record is not None and hasattr(record, "effective_level"):
            record_read(user=request.user, record=record, path=request.path)
        return response

    # --- what a delete confirmation may say

    def get_deleted_objects(self, objs, request):
        """Like Django's, but records are named by type and number only.

        Deleting a visible record may cascade to records the admin cannot see; their titles must
        not appear on the confirmation page. What else a deletion takes with it is the rule of the service
        that deletes (the records of other kinds need no service of their own to go with it): only a
        cascade to records the admin cannot see blocks it.
        """
        collector = NestedObjects(using=router.db_for_write(self.model), origin=objs)
        collector.collect(objs)
        perms_needed = set()
        to_delete = collector.nested(record_label)
        protected = [record_label(obj) for obj in collector.protected]
        model_count = {model._meta.verbose_name_plural: len(objs) for model, objs in collector.model_objs.items()}
        # A cascade must not delete records the admin cannot see: that blocks the deletion.
        for model, collected in collector.model_objs.items():
            if has_visible_to(model):
                pks = {obj.pk for obj in collected}
                visible = set(visible_queryset(model, request.user).filter(pk__in=pks).values_list("pk", flat=True))
                if pks - visible:
                    perms_needed.add(model._meta.verbose_name_plural)
        return to_delete, model_count, perms_needed, protected


class ReadOnlyAdminMixin:
    """For records that are written by the application only (the access log, version history): said
    outright, though an admin that declares no services offers no writes either."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Who read is named only where the admin may see that account (a participant's is their identity)."""

    list_display = ("at", "reader", "user_email", "action", "change", "record_type", "object_id", "level", "path")
    list_filter = ("action", "level", "content_type", "at")
    list_select_related = ("user", "content_type")
    search_fields = ("path",)  # and the reader's name and e-mail where shown: get_search_results
    date_hierarchy = "at"
    fields = ("at", "reader", "action", "detail", "content_type", "object_id", "level", "path")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).with_reader_shown_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        readers = get_user_model().objects.visible_to(request.user)
        named = readers.filter(Q(email__icontains=term) | Q(full_name__icontains=term))
        return queryset.filter(Q(path__icontains=term) | Q(user__in=named)), False

    @admin.display(description=_("user"), ordering="user__full_name")
    def reader(self, entry):
        if entry.reader_shown:
            return str(entry.user)
        return _("Identity protected (account %(number)s)") % {"number": entry.user_id}

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def user_email(self, entry):
        return entry.user.email if entry.reader_shown else "—"

    @admin.display(description=_("detail"))
    def change(self, entry):
        return entry.detail_display

    @admin.display(description=_("record type"), ordering="content_type__model")
    def record_type(self, entry):
        return capfirst(entry.content_type.name)


def country_column(field, description):
    """A change-list column naming the country in ``field``: one lookup a cell, where the admin's own
    display of a choice field goes through every country's name for each cell."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return getattr(obj, field).name or "-"

    column.__name__ = f"{field}_name"
    return column


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The outbox, read-only: messages are written by the services that cause them and sent by the
    worker; staff send a failed one again from Parley's outbox page. It holds no address, body or link."""

    list_display = ("created_at", "kind", "status", "attempts", "last_error", "sent_at")
    list_filter = ("status", "kind")
    date_hierarchy = "created_at"
    fields = (
        "key",
        "kind",
        "content_type",
        "object_id",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    )
    readonly_fields = fields
