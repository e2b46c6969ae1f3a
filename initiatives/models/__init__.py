"""The registry's models, one module per part of the design; every name is importable from
`initiatives.models`, as the migrations, the other apps and the tests expect."""

from initiatives.models.documents import (
    Document,
    SourceCitation,
)
from initiatives.models.fields import (
    SEARCH_CONFIG,
    ChoiceLabels,
    FieldConstraintErrors,
    InLineage,
    MarkdownText,
    Paragraphs,
    SortKey,
    TitleLexemes,
    derived_for_search,
    label_with,
    not_before,
    on_field,
    plain_text_field,
    search_indexes,
    search_vector_field,
    sort_key_field,
)
from initiatives.models.initiatives import (
    Initiative,
    InitiativeQuerySet,
)
from initiatives.models.listing import (
    Listing,
    ListingChange,
    ListingQuerySet,
    ListingTotal,
    ListingTotalQuerySet,
)
from initiatives.models.parts import (
    Event,
    EventQuerySet,
    KeyFigure,
    KeyFigureQuerySet,
    Milestone,
    MilestoneQuerySet,
)
from initiatives.models.proposals import (
    Proposal,
    ProposalQuerySet,
)
from initiatives.models.publication import (
    LOCKED_STATES,
    PublicationState,
    Publishable,
    PublishableQuerySet,
    locked_for,
    publish_permission,
)
from initiatives.models.trees import (
    TerritoryQuerySet,
    TreeNode,
    TreeQuerySet,
    tree_constraints,
)
from initiatives.models.versions import VersionHistory, elided_of
from initiatives.models.vocabularies import (
    ActivityType,
    Keyword,
    KeywordLabel,
    Language,
    Territory,
    Theme,
)
from initiatives.models.workflow import (
    ReviewEmailPreference,
    ReviewStep,
    ReviewStepQuerySet,
)

__all__ = [
    "VersionHistory",
    "elided_of",
    "Proposal",
    "ProposalQuerySet",
    "ReviewEmailPreference",
    "ReviewStep",
    "ReviewStepQuerySet",
    "SortKey",
    "TitleLexemes",
    "MarkdownText",
    "Paragraphs",
    "plain_text_field",
    "sort_key_field",
    "SEARCH_CONFIG",
    "search_vector_field",
    "search_indexes",
    "not_before",
    "on_field",
    "ChoiceLabels",
    "FieldConstraintErrors",
    "derived_for_search",
    "label_with",
    "InLineage",
    "PublicationState",
    "LOCKED_STATES",
    "publish_permission",
    "locked_for",
    "PublishableQuerySet",
    "Publishable",
    "TreeQuerySet",
    "TerritoryQuerySet",
    "TreeNode",
    "tree_constraints",
    "Territory",
    "Theme",
    "ActivityType",
    "Keyword",
    "Language",
    "KeywordLabel",
    "Document",
    "SourceCitation",
    "InitiativeQuerySet",
    "Initiative",
    "ListingQuerySet",
    "Listing",
    "ListingChange",
    "ListingTotalQuerySet",
    "ListingTotal",
    "MilestoneQuerySet",
    "Milestone",
    "EventQuerySet",
    "Event",
    "KeyFigureQuerySet",
    "KeyFigure",
]
