"""What every editorial admin shares: audit columns, stamping who changed a row, the way a
service's refusal reaches the form, each object's history with restore, and the warning
when two editors save the same object.
"""

import contextlib
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from apps.core.history import changes_since, history_restore, object_history
from apps.core.models import Revision, Status
from apps.core.services import StillNeeded, VersionConflict, stamp

# Below this many rows (by the planner's statistics) a changelist counts exactly.
ESTIMATE_FROM = 50_000

# The mixins below are mixed into model forms and model admins: the type checker sees
# those as their bases, so it knows the attributes and super() methods they use.
if TYPE_CHECKING:
    _ModelFormBase = forms.ModelForm
    _ModelAdminBase = admin.ModelAdmin
else:
    _ModelFormBase = _ModelAdminBase = object


def estimated_rows(model, using: str = "default") -> int:
    """The planner's row estimate for a model's table (pg_class.reltuples): no scan at all.

    -1 when the table was never analysed."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else -1


def count_of(model, field: str):
    """The number of `model` rows whose `field` points at the outer row, as a subquery."""
    counted = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered changelist of a big table from the planner's statistics instead
    of COUNT(*), which reads every row; a filtered or small list is counted exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        query = queryset.query
        if not query.where and not query.distinct:
            estimate = estimated_rows(queryset.model, queryset.db)
            if estimate >= ESTIMATE_FROM:
                return estimate
        return queryset.count()


RECORD_FIELDS = ("created_at", "created_by", "updated_at", "updated_by", "reviewed_by", "version")


def adopt_saved(obj, saved) -> None:
    """Give the admin's unsaved object the state of the row a service saved.

    The admin keeps using the object it passed to save_model (for the change message, the
    log entry and the redirect), while a service that records builds its own instance.
    """
    vars(obj).update(vars(saved))


def editable_values(instance, *, exclude=()) -> dict[str, Any]:
    """Return an instance's editable field values by name, as keyword arguments for a service."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if not field.editable or field.primary_key or field.name in exclude:
            continue
        if field.is_relation and getattr(instance, field.attname) is None:
            values[field.name] = None
        else:
            values[field.name] = getattr(instance, field.name)
    return values


def announce_revision(request, revision: Revision) -> None:
    """Tell the editor that their change waits, as a revision, for another editor."""
    if not hasattr(request, "proposed_revisions"):
        request.proposed_revisions = []
    request.proposed_revisions.append(revision)
    messages.warning(
        request,
        format_html(
            'Your change is saved as <a href="{}">revision {}</a>, in review: the published '
            "version stays in force until another editor publishes the revision.",
            reverse("admin:core_revision_change", args=[revision.pk]),
            revision.pk,
        ),
    )


def add_rule_errors(form, error: ValidationError) -> None:
    """Add a service's ValidationError to the form: each message on its field, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ServiceRefused(Exception):
    """A service refused a save its form had accepted: a rule only the service knows, or a race.

    ``errors`` maps the refused form's prefix (None for the main form) to the ValidationError;
    ``conflict`` is the service's VersionConflict when the row was saved by someone else.
    """

    def __init__(
        self,
        error: ValidationError | None,
        prefix: str | None = None,
        conflict: VersionConflict | None = None,
    ):
        super().__init__(error or conflict)
        self.errors = {prefix: error} if error is not None else {}
        self.conflict = conflict


@contextlib.contextmanager
def refusals_for(prefix: str | None = None):
    """Turn a service's refusal into ServiceRefused for the form with this prefix: its
    ValidationError, a StillNeeded (as an error on the form), or a VersionConflict."""
    try:
        yield
    except ValidationError as error:
        raise ServiceRefused(error, prefix) from error
    except StillNeeded as error:
        raise ServiceRefused(ValidationError(str(error), code="still_needed"), prefix) from error
    except VersionConflict as conflict:
        raise ServiceRefused(None, prefix, conflict=conflict) from conflict


class ServiceErrorsMixin(_ModelFormBase):
    """A form that shows, when the admin shows it again, the errors its save was refused with."""

    service_errors: dict | None = None  # set on the form class by the admin, per request

    def clean(self):
        cleaned_data = super().clean()
        error = (self.service_errors or {}).get(self.prefix)
        if error is not None:
            add_rule_errors(self, error)
        return cleaned_data


class EditorialForm(ServiceErrorsMixin, forms.ModelForm):
    """The default form of every editorial admin."""


class VersionCheckMixin(_ModelFormBase):
    """Carries the version this form was opened on (``loaded_version``) to the service, which
    refuses to save over a version another editor saved since (``expected_version``).

    When the admin shows a save the service refused so, the editor's values stay in the form,
    the other editor's changes are listed beside them, and the form now carries the current
    version: saving again keeps (merges) what is in the form; reloading the page discards it.
    """

    conflict: list | None = None
    version_conflict: VersionConflict | None = None  # set on the form class by the admin

    def clean(self):
        cleaned_data = super().clean()
        refused = self.version_conflict
        if self.instance.pk is None or refused is None:
            return cleaned_data
        model = type(self.instance)
        loaded, current = self.cleaned_data.get("loaded_version"), refused.current
        if loaded is not None and current != loaded:
            self.conflict = changes_since(self.instance, loaded)
            data = self.data.copy() if isinstance(self.data, QueryDict) else {**self.data}
            data["loaded_version"] = str(current)
            self.data = data
            raise ValidationError(
                f"Someone saved this {model._meta.verbose_name} while you were editing it "
                f"(version {loaded} → {current}). Their changes are listed below; your edits "
                "are still in the form. Save again to keep what the form now shows, or reload "
                "the page to discard your edits.",
                code="stale",
            )
        return cleaned_data


class RecordFieldsMixin(_ModelAdminBase):
    """Shows who created and last changed a row, and when, read-only, on the change page."""

    def record_fields(self) -> list[str]:
        names = {field.name for field in self.model._meta.get_fields()}
        return [name for name in RECORD_FIELDS if name in names]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        return readonly + [name for name in self.record_fields() if name not in readonly]


# Statuses in which an object waits for its review (not yet on record).
WAITING_REVIEW = (Status.DRAFT, Status.IN_REVIEW)


def may_publish(user, obj) -> bool:
    """Whether the admin offers this user "published" for this object: with four eyes on,
    not on a new one, and on one waiting for review only to someone who neither wrote it
    nor edited it last. On record, its status field keeps its value (or retracts it)."""
    if not settings.FOUR_EYES:
        return True
    if obj is None:
        return False
    if obj.status not in WAITING_REVIEW:
        return True
    return obj.created_by_id not in (None, user.pk) and obj.updated_by_id != user.pk


class FourEyesStatusMixin:
    """A reviewed object's form (a position, an agreement) offers "published" only to whom
    may_publish allows. Only the offered options change: a forged "published" still gets the
    rule's own message from the service."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        status = form.base_fields.get("status")
        if status is not None and not may_publish(request.user, obj):
            status.widget.choices = [c for c in status.choices if c[0] != Status.PUBLISHED]
        return form


class EditorialAdmin(RecordFieldsMixin, admin.ModelAdmin):
    """A model admin that records who changed each row, its own and its inlines', shows
    each object's history as a diff with a way back, and refuses stale saves."""

    form: type[forms.ModelForm] = EditorialForm
    list_per_page = 50
    # No second COUNT(*) of the whole table for "N total", and an estimate for the first
    # when the list is unfiltered and the table big.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    change_form_template = "admin/editorial_change_form.html"
    object_history_template = "admin/editorial_object_history.html"

    def restore_save(self, obj, by) -> None:
        """Save a restored version; admins whose model has a service override this."""
        stamp(obj, by)
        obj.full_clean(validate_constraints=False)
        obj.save()

    def get_urls(self):
        restore = self.admin_site.admin_view(require_POST(self.restore_view))
        return [
            path(
                "<path:object_id>/history/<int:event_id>/restore/",
                restore,
                name=self._url_name("restore"),
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "entries": object_history(obj),
            "can_restore": self.has_change_permission(request, obj),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def restore_view(self, request, object_id, event_id):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            proposed = history_restore(
                obj=obj, event_id=event_id, by=request.user, save=self.restore_save
            )
        except ValidationError as error:
            messages.error(request, "Not restored: " + " ".join(error.messages))
            return HttpResponseRedirect(
                reverse(f"admin:{self._url_name('history')}", args=[obj.pk])
            )
        if isinstance(proposed, Revision):
            announce_revision(request, proposed)
            return HttpResponseRedirect(reverse("admin:core_revision_change", args=[proposed.pk]))
        messages.success(request, f"Restored {obj} to the version of event {event_id}.")
        return HttpResponseRedirect(reverse(f"admin:{self._url_name('change')}", args=[obj.pk]))

    def _url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def _versioned(self) -> bool:
        return any(f.name == "version" for f in self.model._meta.concrete_fields)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The whole save was rolled back: show the same submission again, with the errors
            # on the fields they name (see ServiceErrorsMixin).
            request.service_errors = refused.errors
            request.version_conflict = refused.conflict
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and self._versioned():
            form = type(
                form.__name__,
                (VersionCheckMixin, form),
                {
                    "loaded_version": forms.IntegerField(
                        widget=forms.HiddenInput, required=False, initial=obj.version
                    ),
                    "version_conflict": getattr(request, "version_conflict", None),
                },
            )
        if issubclass(form, ServiceErrorsMixin):
            form.service_errors = getattr(request, "service_errors", None)
        return form

    def get_fieldsets(self, request, obj=None):
        if self.fieldsets:
            fieldsets = list(self.fieldsets)
            if obj is not None:
                fieldsets.append(self.record_fieldset())
            return fieldsets
        record = self.record_fields()
        # loaded_version is the stale-save check's hidden field, rendered by the template.
        skip = {*record, "loaded_version"}
        fields = [name for name in self.get_fields(request, obj) if name not in skip]
        fieldsets = [(None, {"fields": fields})]
        if obj is not None:
            fieldsets.append(self.record_fieldset())
        return fieldsets

    def record_fieldset(self):
        return ("Record", {"fields": self.record_fields(), "classes": ["collapse"]})

    def save_model(self, request, obj, form, change):
        stamp(obj, request.user)
        super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        proposed = getattr(request, "proposed_revisions", None)
        if proposed:
            # Nothing was changed yet: no "changed successfully", but the revision to review.
            return HttpResponseRedirect(
                reverse("admin:core_revision_change", args=[proposed[-1].pk])
            )
        return super().response_change(request, obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for instance in instances:
            stamp(instance, request.user)
            instance.save()
        formset.save_m2m()


def may_review(user, content_type) -> bool:
    """Whether the user may publish or reject revisions of this type: those who may change it."""
    return user.has_perm(f"{content_type.app_label}.change_{content_type.model}")


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Changes to published objects waiting for another editor: read them, publish or reject.

    A revision is never edited: it is proposed by the object's own form (or the API, a
    restore, an import) and decided here."""

    list_display = [
        "__str__",
        "target_link",
        "fields_changed",
        "created_by",
        "created_at",
        "status",
    ]
    list_filter = ["status", "content_type"]
    list_select_related = ["content_type", "created_by"]
    ordering = ["-created_at"]
    fields = (
        "target_link",
        "status",
        "proposed_changes",
        "created_by",
        "created_at",
        "base_version",
        "reviewed_by",
        "decided_at",
        "note",
    )
    readonly_fields = fields
    actions = ["publish_selected", "reject_selected"]
    change_form_template = "admin/revision_change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("content_type", "created_by")
        allowed = [ct.pk for ct in self._types(request) if may_review(request.user, ct)]
        return queryset.filter(content_type__in=allowed)

    def _types(self, request):
        from django.contrib.contenttypes.models import ContentType

        return ContentType.objects.filter(pk__in=Revision.objects.values("content_type").distinct())

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if obj is not None:
            return may_review(user, obj.content_type)
        return any(
            perm.split(".", 1)[1].startswith("change_") for perm in user.get_all_permissions()
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/decide/",
                view(require_POST(self.decide_view)),
                name="core_revision_decide",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Object")
    def target_link(self, revision):
        ct = revision.content_type
        try:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[revision.object_id])
        except NoReverseMatch:  # a type without an admin: name it only
            return f"{ct.name} {revision.object_id}"
        target = revision.target
        return format_html(
            '<a href="{}">{}</a>', url, target if target is not None else revision.object_id
        )

    @admin.display(description="Fields")
    def fields_changed(self, revision) -> str:
        return ", ".join(revision.changes)

    @admin.display(description="Proposed changes")
    def proposed_changes(self, revision):
        from django.utils.html import format_html_join

        from apps.core.revisions import revision_changes

        rows = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td><td><strong>{}</strong></td></tr>',
            ((c.label, c.before, c.after) for c in revision_changes(revision)),
        )
        return format_html(
            '<table><thead><tr><th scope="col">Field</th><th scope="col">Published now</th>'
            '<th scope="col">Proposed</th></tr></thead><tbody>{}</tbody></table>',
            rows,
        )

    def _decide(self, request, revision, publish: bool, note: str = "") -> bool:
        from apps.core.revisions import revision_publish, revision_reject

        if not may_review(request.user, revision.content_type):
            messages.error(request, f"You may not decide {revision}.")
            return False
        try:
            if publish:
                revision_publish(revision=revision, by=request.user)
            else:
                revision_reject(revision=revision, by=request.user, note=note)
        except ValidationError as error:
            messages.error(
                request,
                f"{revision} not {'published' if publish else 'rejected'}: "
                + " ".join(error.messages),
            )
            return False
        messages.success(request, f"{revision} {'published' if publish else 'rejected'}.")
        return True

    def decide_view(self, request, object_id):
        if not str(object_id).isdigit():
            raise Http404("No such revision.")
        revision = get_object_or_404(self.get_queryset(request), pk=object_id)
        note = request.POST.get("decision_note", "")[:2000]
        self._decide(request, revision, "_publish" in request.POST, note)
        return HttpResponseRedirect(reverse("admin:core_revision_change", args=[revision.pk]))

    @admin.action(description="Publish the selected revisions")
    def publish_selected(self, request, queryset):
        for revision in queryset:
            self._decide(request, revision, True)

    @admin.action(description="Reject the selected revisions")
    def reject_selected(self, request, queryset):
        for revision in queryset:
            self._decide(request, revision, False)
