namespace Portal.Entitlements;

/// <summary>
/// Credits an org's whole subtree (the org and all its descendants) has used on one catalog item in the current
/// calendar month (UTC). The decision service asks it for each org on the chain that has a monthly limit on the item,
/// on the hottest path of the product: answer from memory (a running total kept by usage ingestion), not from a scan,
/// and complete synchronously when you can. Usage is recorded per activity, so a reader may answer 0 for items
/// (voices, sound designs) it cannot count yet.
/// The usage feature replaces <see cref="NoMonthlyUsageYet"/> by registering its own implementation as a singleton.
/// </summary>
public interface IMonthlyUsageReader
{
    ValueTask<long> GetCreditsUsedThisMonthAsync(string orgId, string itemKey, CancellationToken ct);
}

/// <summary>Until usage metering exists nothing has been used, so monthly limits never bite.</summary>
public sealed class NoMonthlyUsageYet : IMonthlyUsageReader
{
    public ValueTask<long> GetCreditsUsedThisMonthAsync(string orgId, string itemKey, CancellationToken ct) => ValueTask.FromResult(0L);
}

/// <summary>
/// The org-wide monthly spend limits with a hard stop: the first org on the chain (the org, then its ancestors) whose
/// limit is reached, or null. Billing registers the real guard; until then nothing stops.
/// </summary>
public interface ISpendLimitGuard
{
    ValueTask<string?> FirstReachedHardStopAsync(string[] chain, CancellationToken ct);
}

public sealed class NoSpendLimits : ISpendLimitGuard
{
    public ValueTask<string?> FirstReachedHardStopAsync(string[] chain, CancellationToken ct) => ValueTask.FromResult<string?>(null);
}

/// <summary>
/// Drops cached decisions of an org's subtree when its status or place in the tree changes. Org changes reach every
/// instance's listeners already, so this instance's cache is all it drops.
/// </summary>
public sealed class DecisionCacheOnOrgChanges(EntitlementDecisionService decisions) : Organizations.IOrgChangeListener
{
    public void OrgStatusChanged(string orgId) => decisions.InvalidateSubtreeHere(orgId);
}
