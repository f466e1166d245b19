namespace Portal.Entitlements;

/// <summary>Why a decision came out as it did. <see cref="DecisionReasons.Code"/> gives the machine-readable form.</summary>
public enum DecisionReason
{
    Allowed = 0,
    UnknownOrg,
    UnknownItem,
    OrgClosed,
    OrgSuspended,
    FeatureOffHere,
    FeatureOffAtAncestor,
    ItemLimitReached,
    SpendLimitReached,
    NotADescendant,
}

/// <param name="Allowed">May the org use the item now.</param>
/// <param name="Reason">Why (also <see cref="DecisionReason.Allowed"/> when allowed).</param>
/// <param name="AtOrgId">The org the denial comes from: the suspended or closed org, the ancestor that lacks the item, the org whose limit is reached.</param>
public readonly record struct EntitlementDecision(bool Allowed, DecisionReason Reason, string? AtOrgId = null)
{
    public static readonly EntitlementDecision Yes = new(true, DecisionReason.Allowed);

    public string Code => Reason.Code();

    public static EntitlementDecision No(DecisionReason reason, string? atOrgId = null) => new(false, reason, atOrgId);
}

public static class DecisionReasons
{
    public static string Code(this DecisionReason reason) => reason switch
    {
        DecisionReason.Allowed => "allowed",
        DecisionReason.UnknownOrg => "unknown_org",
        DecisionReason.UnknownItem => "unknown_item",
        DecisionReason.OrgClosed => "org_closed",
        DecisionReason.OrgSuspended => "org_suspended",
        DecisionReason.FeatureOffHere => "feature_off_here",
        DecisionReason.FeatureOffAtAncestor => "feature_off_at_ancestor",
        DecisionReason.ItemLimitReached => "item_limit_reached",
        DecisionReason.SpendLimitReached => "spend_limit_reached",
        DecisionReason.NotADescendant => "not_a_descendant",
        _ => "unknown",
    };
}
