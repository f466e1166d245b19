using Microsoft.EntityFrameworkCore;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Entitlements;

/// <summary>
/// Reads and changes feature allocations. An org's allocation (what it has, and its monthly limits) is given by those
/// who manage features on its parent; only a top-level org's own admins change its allocation, bounded by the catalog.
/// An org's own admins choose what its new child orgs start with. Nobody can give an org what its parent lacks.
/// </summary>
public sealed class EntitlementService(
    AccessService access,
    TenantDb tenantDb,
    AuditWriter audit,
    TimeProvider clock,
    EntitlementDecisionService decisions)
{
    public const long MaxMonthlyCreditLimit = 1_000_000_000_000_000;

    public async Task<OrgFeatures> GetFeaturesAsync(string orgId, CancellationToken ct)
    {
        var permissions = await access.GetPermissionsAsync(orgId, ct);
        if (!permissions.Includes(Permission.ViewOrg))
        {
            throw new OrgNotFoundException(orgId);
        }

        await using var db = await tenantDb.OpenAsync(ct);
        var chain = await AllocationChain.LoadAsync(db, orgId, ct) ?? throw new OrgNotFoundException(orgId);
        var canAllocate = await CanAllocateAsync(chain, permissions, ct);
        var children = await db.Organizations.Where(o => o.ParentId == orgId).OrderBy(o => o.Name)
            .Select(o => new OrgRef(o.Id, o.Name, o.Status)).ToListAsync(ct);
        var items = await ActiveCatalogAsync(db, ct);

        var manageHere = permissions.Includes(Permission.ManageFeatures);
        return new OrgFeatures(
            Ref(chain.Self),
            chain.Parent is { } parent ? Ref(parent) : null,
            canAllocate,
            manageHere,
            manageHere && children.Count > 0,
            children,
            items.Select(item => StateOf(chain, item)).ToList());
    }

    public async Task<FeatureChange> SetEnabledAsync(string orgId, string itemKey, bool enabled, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageFeatures, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var chain = await AllocationChain.LoadAsync(db, orgId, ct) ?? throw new OrgNotFoundException(orgId);
        await DemandAllocateAsync(chain, ct);
        var item = await FindItemAsync(db, itemKey, ct);
        if (enabled)
        {
            EnsureParentHas(chain, item);
        }

        var row = await RowAsync(db, orgId, itemKey, ct);
        if (row.Enabled == enabled)
        {
            return new FeatureChange(false, 0, $"{item.DisplayName} already was {OnOff(enabled)} for {chain.Self.Name}.");
        }

        var before = Snapshot(row);
        row.Enabled = enabled;
        row.UpdatedAt = Now;
        audit.Record(db, "feature.allocation_changed", orgId, before, Snapshot(row));
        await db.SaveChangesAsync(ct);
        decisions.InvalidateSubtree(orgId);
        return new FeatureChange(true, 1, $"{item.DisplayName} switched {OnOff(enabled)} for {chain.Self.Name}.");
    }

    public async Task<FeatureChange> SetMonthlyLimitAsync(string orgId, string itemKey, long? monthlyCreditLimit, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageFeatures, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var chain = await AllocationChain.LoadAsync(db, orgId, ct) ?? throw new OrgNotFoundException(orgId);
        await DemandAllocateAsync(chain, ct);
        var item = await FindItemAsync(db, itemKey, ct);
        ValidateLimit(chain, item, monthlyCreditLimit);

        var row = await RowAsync(db, orgId, itemKey, ct);
        if (row.MonthlyCreditLimit == monthlyCreditLimit)
        {
            return new FeatureChange(false, 0, $"The monthly limit of {item.DisplayName} for {chain.Self.Name} already was {LimitText(monthlyCreditLimit)}.");
        }

        var before = Snapshot(row);
        row.MonthlyCreditLimit = monthlyCreditLimit;
        row.UpdatedAt = Now;
        audit.Record(db, "feature.limit_changed", orgId, before, Snapshot(row));
        await db.SaveChangesAsync(ct);
        decisions.InvalidateSubtree(orgId);
        return new FeatureChange(true, 1, $"Monthly limit of {item.DisplayName} for {chain.Self.Name} set to {LimitText(monthlyCreditLimit)}.");
    }

    /// <summary>Whether the org's new child orgs start with the item: the org's own admins decide.</summary>
    public async Task<FeatureChange> SetIncludedForNewChildrenAsync(string orgId, string itemKey, bool included, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageFeatures, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var chain = await AllocationChain.LoadAsync(db, orgId, ct) ?? throw new OrgNotFoundException(orgId);
        var item = await FindItemAsync(db, itemKey, ct);
        if (included && !chain.IsEffective(itemKey))
        {
            throw new RuleViolationException("feature_unavailable",
                $"{chain.Self.Name} does not have {item.DisplayName}, so its new child orgs cannot start with it.", "includedForNewChildren");
        }

        var row = await RowAsync(db, orgId, itemKey, ct);
        if (row.IncludedForNewChildren == included)
        {
            return new FeatureChange(false, 0, $"{item.DisplayName} already was {(included ? "in" : "out of")} the defaults for new child orgs.");
        }

        var before = Snapshot(row);
        row.IncludedForNewChildren = included;
        row.UpdatedAt = Now;
        audit.Record(db, "feature.child_default_changed", orgId, before, Snapshot(row));
        await db.SaveChangesAsync(ct);
        return new FeatureChange(true, 1, $"New child orgs of {chain.Self.Name} {(included ? "will start with" : "will no longer start with")} {item.DisplayName}.");
    }

    public async Task<ItemAcrossChildren> GetItemAcrossChildrenAsync(string parentId, string itemKey, CancellationToken ct)
    {
        await access.DemandAsync(parentId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var chain = await AllocationChain.LoadAsync(db, parentId, ct) ?? throw new OrgNotFoundException(parentId);
        var item = await FindItemAsync(db, itemKey, ct);
        var parentHas = chain.IsEffective(itemKey);
        var children = await db.Organizations.Where(o => o.ParentId == parentId)
            .GroupJoin(db.Set<FeatureAllocation>().Where(a => a.ItemKey == itemKey), o => o.Id, a => a.OrgId, (o, rows) => new { o, rows })
            .SelectMany(x => x.rows.DefaultIfEmpty(), (x, a) => new
            {
                x.o.Id,
                x.o.Name,
                x.o.Status,
                Enabled = a != null && a.Enabled,
                Limit = a == null ? null : a.MonthlyCreditLimit,
            })
            .OrderBy(c => c.Name)
            .ToListAsync(ct);
        var lacking = parentHas ? null : chain.Own(itemKey)?.Enabled == true ? chain.NearestAncestorLacking(itemKey) : chain.Self;
        return new ItemAcrossChildren(
            CatalogItemView.Of(item),
            Ref(chain.Self),
            parentHas,
            lacking is { } at ? Ref(at) : null,
            children.Select(c => new ChildFeatureState(new OrgRef(c.Id, c.Name, c.Status), c.Enabled, c.Limit, parentHas && c.Enabled)).ToList());
    }

    /// <summary>Switches one item on or off for several children of one org at once: all or nothing.</summary>
    public async Task<FeatureChange> SetEnabledForChildrenAsync(string parentId, string itemKey, IReadOnlyCollection<string> childIds, bool enabled, CancellationToken ct)
    {
        await access.DemandAsync(parentId, Permission.ManageFeatures, ct);
        foreach (var childId in childIds)
        {
            await access.DemandAsync(childId, Permission.ManageFeatures, ct);
        }

        await using var db = await tenantDb.OpenAsync(ct);
        var chain = await AllocationChain.LoadAsync(db, parentId, ct) ?? throw new OrgNotFoundException(parentId);
        var item = await FindItemAsync(db, itemKey, ct);
        if (childIds.Count == 0)
        {
            throw new RuleViolationException("no_orgs_selected", "Select at least one child org.", "childIds");
        }

        var children = await db.Organizations.Where(o => o.ParentId == parentId && childIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, ct);
        if (childIds.FirstOrDefault(id => !children.ContainsKey(id)) is { } stranger)
        {
            throw new OrgNotFoundException(stranger);
        }

        if (enabled && !chain.IsEffective(itemKey))
        {
            throw new RuleViolationException("feature_unavailable",
                $"{item.DisplayName} is not available to the child orgs of {chain.Self.Name}: {chain.Self.Name} does not have it.", "enabled");
        }

        var changed = new List<string>();
        foreach (var child in children.Values.OrderBy(c => c.Name))
        {
            var row = await RowAsync(db, child.Id, itemKey, ct);
            if (row.Enabled == enabled)
            {
                continue;
            }

            var before = Snapshot(row);
            row.Enabled = enabled;
            row.UpdatedAt = Now;
            audit.Record(db, "feature.allocation_changed", child.Id, before, Snapshot(row));
            changed.Add(child.Id);
        }

        await db.SaveChangesAsync(ct);
        changed.ForEach(decisions.InvalidateSubtree);
        return new FeatureChange(changed.Count > 0, changed.Count,
            $"{item.DisplayName} switched {OnOff(enabled)} for {Orgs(changed.Count)}{(changed.Count < childIds.Count ? $" ({childIds.Count - changed.Count} already were)" : "")}.");
    }

    /// <summary>
    /// Gives each target the allocation the template org really has: its effective items and its own limits.
    /// All or nothing: when a target's parent lacks an item the template has, or a limit would exceed a limit above
    /// the target, nothing is stored.
    /// </summary>
    public async Task<FeatureChange> ApplyTemplateAsync(string templateOrgId, IReadOnlyCollection<string> targetOrgIds, CancellationToken ct)
    {
        await access.DemandAsync(templateOrgId, Permission.ViewOrg, ct);
        foreach (var targetId in targetOrgIds)
        {
            await access.DemandAsync(targetId, Permission.ManageFeatures, ct);
        }

        if (targetOrgIds.Count == 0)
        {
            throw new RuleViolationException("no_orgs_selected", "Select at least one org to apply the template to.", "targetOrgIds");
        }

        if (targetOrgIds.Contains(templateOrgId))
        {
            throw new RuleViolationException("template_is_target", "An org cannot be its own template: leave it out of the targets.", "targetOrgIds");
        }

        await using var db = await tenantDb.OpenAsync(ct);
        var template = await AllocationChain.LoadAsync(db, templateOrgId, ct) ?? throw new OrgNotFoundException(templateOrgId);
        var items = await ActiveCatalogAsync(db, ct);
        var wanted = items.ToDictionary(i => i.Key, i => (Enabled: template.IsEffective(i.Key), Limit: template.Own(i.Key)?.MonthlyCreditLimit));

        var targets = new List<AllocationChain>();
        foreach (var targetId in targetOrgIds.Distinct())
        {
            var target = await AllocationChain.LoadAsync(db, targetId, ct) ?? throw new OrgNotFoundException(targetId);
            await DemandAllocateAsync(target, ct);
            foreach (var item in items.Where(i => wanted[i.Key].Enabled))
            {
                EnsureParentHas(target, item);
                ValidateLimit(target, item, wanted[item.Key].Limit);
            }

            targets.Add(target);
        }

        var changedOrgs = new List<string>();
        foreach (var target in targets)
        {
            var rows = await db.Set<FeatureAllocation>().Where(a => a.OrgId == target.Self.Id).ToDictionaryAsync(a => a.ItemKey, ct);
            var before = AllocationSummary(rows.Values);
            var changed = false;
            foreach (var item in items)
            {
                var (enabled, limit) = wanted[item.Key];
                if (!rows.TryGetValue(item.Key, out var row))
                {
                    if (!enabled && limit is null)
                    {
                        continue;
                    }

                    row = new FeatureAllocation { OrgId = target.Self.Id, ItemKey = item.Key, UpdatedAt = Now };
                    db.Set<FeatureAllocation>().Add(row);
                    rows[item.Key] = row;
                }

                if (row.Enabled != enabled || row.MonthlyCreditLimit != limit)
                {
                    row.Enabled = enabled;
                    row.MonthlyCreditLimit = limit;
                    row.UpdatedAt = Now;
                    changed = true;
                }
            }

            if (changed)
            {
                audit.Record(db, "feature.template_applied", target.Self.Id, before,
                    new { Template = templateOrgId, TemplateName = template.Self.Name, Allocation = AllocationSummary(rows.Values) });
                changedOrgs.Add(target.Self.Id);
            }
        }

        await db.SaveChangesAsync(ct);
        changedOrgs.ForEach(decisions.InvalidateSubtree);
        return new FeatureChange(changedOrgs.Count > 0, changedOrgs.Count,
            $"Applied the allocation of {template.Self.Name} to {Orgs(changedOrgs.Count)}{(changedOrgs.Count < targets.Count ? $" ({targets.Count - changedOrgs.Count} already matched)" : "")}.");
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>An org's allocation is given from above: managing features on the org is not enough, its parent's is needed too.</summary>
    private async Task DemandAllocateAsync(AllocationChain chain, CancellationToken ct)
    {
        if (chain.Parent is { } parent && !await access.CanAsync(parent.Id, Permission.ManageFeatures, ct))
        {
            throw new RuleViolationException("allocated_by_parent",
                $"What {chain.Self.Name} may use is allocated by {parent.Name}: ask its admins to change it.");
        }
    }

    private async Task<bool> CanAllocateAsync(AllocationChain chain, Permission permissionsHere, CancellationToken ct) =>
        permissionsHere.Includes(Permission.ManageFeatures)
        && (chain.Parent is not { } parent || await access.CanAsync(parent.Id, Permission.ManageFeatures, ct));

    private static void EnsureParentHas(AllocationChain chain, CatalogItem item)
    {
        if (chain.NearestAncestorLacking(item.Key) is { } lacking)
        {
            throw new RuleViolationException("feature_unavailable",
                $"{item.DisplayName} is not available to {chain.Self.Name}: it is off at {lacking.Name}. Switch it on there first.", "enabled");
        }
    }

    private static void ValidateLimit(AllocationChain chain, CatalogItem item, long? limit)
    {
        if (limit is null)
        {
            return;
        }

        if (limit is < 1 or > MaxMonthlyCreditLimit)
        {
            throw new RuleViolationException("limit_out_of_range",
                $"A monthly limit is a whole number of credits from 1 to {MaxMonthlyCreditLimit:N0}, or empty for no limit.", "monthlyCreditLimit");
        }

        if (chain.SmallestLimitAbove(item.Key) is { } above && limit > above.Limit)
        {
            throw new RuleViolationException("limit_above_parent",
                $"{above.Org.Name} limits {item.DisplayName} to {above.Limit:N0} credits a month: a limit for {chain.Self.Name} cannot be higher.", "monthlyCreditLimit");
        }
    }

    private static async Task<CatalogItem> FindItemAsync(PortalDbContext db, string itemKey, CancellationToken ct) =>
        await db.Set<CatalogItem>().AsNoTracking().SingleOrDefaultAsync(i => i.Key == itemKey && !i.IsRetired, ct)
        ?? throw new RuleViolationException("unknown_item", $"There is no feature '{itemKey}' in the catalog.", "itemKey");

    // Kinds are stored as text, so they are put in their declared order here rather than by the database.
    private static async Task<List<CatalogItem>> ActiveCatalogAsync(PortalDbContext db, CancellationToken ct) =>
        (await db.Set<CatalogItem>().AsNoTracking().Where(i => !i.IsRetired).ToListAsync(ct))
            .OrderBy(i => i.Kind).ThenBy(i => i.SortOrder).ThenBy(i => i.Key, StringComparer.Ordinal).ToList();

    private async Task<FeatureAllocation> RowAsync(PortalDbContext db, string orgId, string itemKey, CancellationToken ct)
    {
        var row = await db.Set<FeatureAllocation>().SingleOrDefaultAsync(a => a.OrgId == orgId && a.ItemKey == itemKey, ct);
        if (row is null)
        {
            row = new FeatureAllocation { OrgId = orgId, ItemKey = itemKey, UpdatedAt = Now };
            db.Set<FeatureAllocation>().Add(row);
        }

        return row;
    }

    private static FeatureState StateOf(AllocationChain chain, CatalogItem item)
    {
        var own = chain.Own(item.Key);
        var lacking = chain.NearestAncestorLacking(item.Key);
        var above = chain.SmallestLimitAbove(item.Key);
        return new FeatureState(
            CatalogItemView.Of(item),
            own?.Enabled == true,
            own?.MonthlyCreditLimit,
            own?.IncludedForNewChildren == true,
            own?.Enabled == true && lacking is null,
            lacking is { } at ? Ref(at) : null,
            above?.Limit,
            above is { } a ? Ref(a.Org) : null);
    }

    private static object Snapshot(FeatureAllocation row) =>
        new { Item = row.ItemKey, row.Enabled, row.MonthlyCreditLimit, row.IncludedForNewChildren };

    private static object AllocationSummary(IEnumerable<FeatureAllocation> rows) => new
    {
        Enabled = rows.Where(r => r.Enabled).Select(r => r.ItemKey).Order(StringComparer.Ordinal).ToList(),
        Limits = rows.Where(r => r.MonthlyCreditLimit is not null).OrderBy(r => r.ItemKey, StringComparer.Ordinal)
            .ToDictionary(r => r.ItemKey, r => r.MonthlyCreditLimit),
    };

    private static OrgRef Ref(ChainOrg org) => new(org.Id, org.Name, org.Status);

    private static string OnOff(bool enabled) => enabled ? "on" : "off";

    private static string Orgs(int count) => count == 1 ? "1 org" : $"{count} orgs";

    public static string LimitText(long? limit) => limit is { } l ? $"{l:N0} credits" : "no limit";
}
