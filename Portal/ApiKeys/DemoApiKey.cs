using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Audit;
using Portal.Data;

namespace Portal.ApiKeys;

/// <summary>
/// Development only: gives the demo super org a key whose secret is <c>ApiKeys:DemoSecret</c> from the top-level
/// appsettings.Development.json, so the README's examples work right after `dotnet run`. Idempotent, and also
/// run for a database seeded before API keys existed.
/// </summary>
public static class DemoApiKey
{
    public const string Name = "Demo key (development)";

    public static async Task SeedAsync(WebApplication app, PortalDbContext db, CancellationToken ct)
    {
        var secret = app.Services.GetRequiredService<IOptions<ApiKeyOptions>>().Value.DemoSecret;
        if (!app.Environment.IsDevelopment() || string.IsNullOrEmpty(secret))
        {
            return;
        }

        await SeedAsync(db, secret, app.Services.GetRequiredService<TimeProvider>(), ct);
    }

    public static async Task SeedAsync(PortalDbContext db, string secret, TimeProvider clock, CancellationToken ct)
    {
        if (!ApiKeySecrets.IsWellFormed(secret))
        {
            throw new InvalidOperationException(
                $"ApiKeys:DemoSecret must be {ApiKeySecrets.MinLength} to {ApiKeySecrets.MaxLength} letters, digits, '_' or '-'.");
        }

        var hash = ApiKeySecrets.Hash(secret);
        var orgId = DemoSeed.OrgId(DemoSeed.SuperOrgName);
        if (await db.Set<ApiKey>().IgnoreQueryFilters().AnyAsync(k => k.SecretHash == hash, ct)
            || !await db.Organizations.IgnoreQueryFilters().AnyAsync(o => o.Id == orgId, ct))
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var key = ApiKey.ForSecret(DemoSeed.StableGuid("api-key:" + hash).ToString("D"), orgId, secret, Name, ApiKeyScopes.Names, now, "demo seed");
        db.Set<ApiKey>().Add(key);
        db.AuditEntries.Add(new AuditEntry
        {
            At = now,
            ActorName = "demo seed",
            TargetOrgId = orgId,
            Action = "apikey.created",
            After = System.Text.Json.JsonSerializer.Serialize(new { key.Id, key.Name, key.Prefix, Scopes = key.ScopeList }),
            Source = AuditSource.System,
        });
        await db.SaveChangesAsync(ct);
    }
}
