using Microsoft.EntityFrameworkCore;
using Portal.Access;

namespace Portal.Data;

/// <summary>
/// Opens contexts limited to the caller's visible subtree (the acting org's, or the home org's).
/// A caller without an org sees nothing: the backstop fails closed.
/// </summary>
public sealed class TenantDb(IDbContextFactory<PortalDbContext> factory, TenantContext tenant)
{
    private const string NoOrg = "";

    public async Task<PortalDbContext> OpenAsync(CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        var db = await factory.CreateDbContextAsync(ct);
        db.ScopeOrgId = tenant.ScopeOrgId ?? NoOrg;
        return db;
    }
}
