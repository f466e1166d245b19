using Microsoft.AspNetCore.Http.HttpResults;
using Portal.ApiKeys;

namespace Portal.Entitlements;

public sealed record FeatureData(
    string Key, FeatureKind Kind, string DisplayName, bool Premium, bool Enabled, bool Effective, string Reason,
    long? MonthlyCreditLimit, string? UnavailableAtOrgId, long? LimitAbove);

public sealed record SetFeatureRequest(bool? Enabled = null, long? MonthlyCreditLimit = null, bool? ClearMonthlyCreditLimit = null);

public static class EntitlementsApi
{
    public static IEndpointRouteBuilder MapEntitlementsApi(this IEndpointRouteBuilder app)
    {
        var features = app.MapGroup("/api/v1/orgs/{orgId}/features").WithTags("Features");
        features.MapGet("", List).RequireScope(ApiKeyScopes.FeaturesRead).WithName("ListFeatures")
            .WithSummary("Every catalog item at this org: its own setting, its effective state and why");
        features.MapPut("/{itemKey}", Set).RequireScopeToChange(ApiKeyScopes.FeaturesWrite).WithName("SetFeature")
            .WithSummary("Switch an item on or off for the org and/or set its monthly credit limit (a child never gets more than its parent has)");
        return app;
    }

    private static async Task<Ok<List<FeatureData>>> List(string orgId, EntitlementService entitlements, CancellationToken ct) =>
        TypedResults.Ok((await entitlements.GetFeaturesAsync(orgId, ct)).Items.Select(Data).ToList());

    private static async Task<Ok<FeatureData>> Set(string orgId, string itemKey, SetFeatureRequest request, EntitlementService entitlements, CancellationToken ct)
    {
        if (request.Enabled is { } enabled)
        {
            await entitlements.SetEnabledAsync(orgId, itemKey, enabled, ct);
        }

        if (request.MonthlyCreditLimit is not null || request.ClearMonthlyCreditLimit == true)
        {
            await entitlements.SetMonthlyLimitAsync(orgId, itemKey, request.ClearMonthlyCreditLimit == true ? null : request.MonthlyCreditLimit, ct);
        }

        var state = (await entitlements.GetFeaturesAsync(orgId, ct)).Items.SingleOrDefault(i => i.Item.Key == itemKey)
            ?? throw new Access.RuleViolationException("unknown_item", $"'{itemKey}' is not in the catalog.", "itemKey");
        return TypedResults.Ok(Data(state));
    }

    private static FeatureData Data(FeatureState state) => new(
        state.Item.Key, state.Item.Kind, state.Item.DisplayName, state.Item.IsPremium, state.Enabled, state.Effective, state.Reason,
        state.MonthlyCreditLimit, state.UnavailableAt?.Id, state.LimitAbove);
}
