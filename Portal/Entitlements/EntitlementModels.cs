using Portal.Organizations;

namespace Portal.Entitlements;

public sealed record CatalogItemView(string Key, FeatureKind Kind, string DisplayName, string Description, bool IsPremium)
{
    internal static CatalogItemView Of(CatalogItem item) => new(item.Key, item.Kind, item.DisplayName, item.Description, item.IsPremium);
}

public sealed record OrgRef(string Id, string Name, OrgStatus Status);

/// <summary>One catalog item as seen at one org: its own settings, its effective state and why.</summary>
/// <param name="UnavailableAt">The nearest ancestor that lacks the item; null when the parent has it (or there is no parent).</param>
/// <param name="LimitAbove">The smallest monthly limit an ancestor set on the item, which also caps this org.</param>
public sealed record FeatureState(
    CatalogItemView Item,
    bool Enabled,
    long? MonthlyCreditLimit,
    bool IncludedForNewChildren,
    bool Effective,
    OrgRef? UnavailableAt,
    long? LimitAbove,
    OrgRef? LimitAboveAt)
{
    public bool AvailableFromParent => UnavailableAt is null;

    public string Reason => Effective ? "On"
        : UnavailableAt is not null ? $"Not available: off at {UnavailableAt.Name}"
        : "Off here";
}

public sealed record OrgFeatures(
    OrgRef Org,
    OrgRef? Parent,
    bool CanAllocate,
    bool CanEditChildDefaults,
    bool CanManageChildren,
    IReadOnlyList<OrgRef> Children,
    IReadOnlyList<FeatureState> Items)
{
    public bool IsTopLevel => Parent is null;
}

public sealed record ChildFeatureState(OrgRef Org, bool Enabled, long? MonthlyCreditLimit, bool Effective);

/// <summary>One item across the children of an org, for setting it on many at once.</summary>
public sealed record ItemAcrossChildren(CatalogItemView Item, OrgRef Parent, bool ParentHas, OrgRef? UnavailableAt, IReadOnlyList<ChildFeatureState> Children);

/// <summary>What a change did: <see cref="Changed"/> is false when everything already was as asked (nothing stored or audited).</summary>
public sealed record FeatureChange(bool Changed, int OrgsChanged, string Summary);
