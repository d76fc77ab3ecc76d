"""/api/v1/revisions/: changes to published objects in review, for editors to publish or reject.

A PATCH or PUT of a published position does not change it: it answers 202 Accepted with the
revision it proposed (see PositionViewSet), and the published version stays in force until
another editor publishes the revision here.
"""

import django_filters
from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.api.exceptions import domain_rules
from apps.api.fields import StrictCharField
from apps.api.serializers import RevisionSerializer
from apps.api.views import ApiViewMixin
from apps.core.models import TEXT_MAX, Revision, RevisionStatus
from apps.core.revisions import revision_changes_many, revision_publish, revision_reject
from apps.core.validators import clean_text_validators


def may_review(user, content_type) -> bool:
    """Whether the user may see, publish or reject revisions of this type: those who may
    change objects of the type."""
    return user.has_perm(f"{content_type.app_label}.change_{content_type.model}")


class ReviewerPermission(permissions.BasePermission):
    """Signed-in users who may change something; each revision only for those who may change
    its object. Revisions are unpublished work: never shown to readers."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)

    def has_object_permission(self, request, view, obj):
        return may_review(request.user, obj.content_type)


class RejectSerializer(serializers.Serializer):
    note = StrictCharField(
        allow_blank=True,
        required=False,
        validators=clean_text_validators(TEXT_MAX),
        help_text="Why it is rejected.",
    )


class RevisionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RevisionStatus.choices)

    class Meta:
        model = Revision
        fields = ["status"]


class RevisionViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Revisions you may review (of objects you may change), newest first; `?status=in_review`
    for the queue."""

    serializer_class = RevisionSerializer
    permission_classes = [ReviewerPermission]
    signed_in_only = True  # the schema: no anonymous access, 403 to who may not review
    filterset_class = RevisionFilter
    # The model, for the schema (the id is an integer); get_queryset narrows it per user.
    queryset = Revision.objects.none()

    def initial(self, request, *args, **kwargs):
        # Unpublished work: who may not review learns nothing here, not even the methods.
        self.perform_authentication(request)
        self.check_permissions(request)
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        types = ContentType.objects.filter(
            pk__in=Revision.objects.values("content_type").distinct()
        )
        allowed = [ct.pk for ct in types if may_review(user, ct)]
        return (
            Revision.objects.filter(content_type__in=allowed)
            .select_related("content_type", "created_by", "reviewed_by")
            .order_by("-created_at", "-pk")
        )

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:
            # A page of revisions: their changes in a few queries rather than a few each.
            page = list(args[0])
            kwargs["context"] = {
                **self.get_serializer_context(),
                "revision_changes": revision_changes_many(page),
            }
            return self.get_serializer_class()(page, *args[1:], **kwargs)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(request=None, responses={200: RevisionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the revision: its change is made and reaches analysts. Refused (400) to
        the editor who proposed it, and when the object changed since it was proposed."""
        revision = self.get_object()
        with domain_rules():
            revision = revision_publish(revision=revision, by=request.user)
        return Response(self.get_serializer(revision).data)

    @extend_schema(request=RejectSerializer, responses={200: RevisionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject the revision: nothing changes; the note says why."""
        revision = self.get_object()
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with domain_rules():
            revision = revision_reject(
                revision=revision, by=request.user, note=body.validated_data.get("note", "")
            )
        return Response(self.get_serializer(revision).data)
