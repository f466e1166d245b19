using MudBlazor.Services;
using Portal;
using Portal.Access;
using Portal.Billing;
using Portal.Api;
using Portal.ApiKeys;
using Portal.Audit;
using Portal.Components;
using Portal.Data;
using Portal.Entitlements;
using Portal.Identity;
using Portal.Members;
using Portal.Operations;
using Portal.Organizations;
using Portal.Usage;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddTopLevelDevelopmentSettings(builder.Environment);
// Serves MudBlazor's and our own static assets from the build output even when not in Development.
builder.WebHost.UseStaticWebAssets();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();
builder.Services.AddCascadingAuthenticationState();
builder.Services.AddPortalIdentity(builder.Configuration, builder.Environment);
builder.Services.AddPortalData(builder.Configuration, builder.Environment);
builder.Services.AddPortalOperations(builder.Configuration);
builder.Services.AddPortalAccess();
builder.Services.AddPortalOrganizations(builder.Configuration);
builder.Services.AddPortalMembers(builder.Configuration);
builder.Services.AddPortalUsage(builder.Configuration);
builder.Services.AddPortalBilling(builder.Configuration);
builder.Services.AddPortalEntitlements(builder.Configuration);
builder.Services.AddPortalApi(builder.Configuration);
builder.Services.AddPortalApiKeys(builder.Configuration);

var app = builder.Build();

if (await AdminCommands.TryRunAsync(app, args))
{
    return;
}

await app.PrepareDatabaseAsync();

// (The gateway's POST /decision is answered before all of this when it can be: see DecisionFastPath.)
app.UsePortalOperations();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
}

app.UsePortalStatusCodePages();
app.UseAuthentication();
// API paths: the API key as caller, problem+json for exceptions, rate limits, x-assume-org.
app.UsePortalApi();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets().AllowAnonymous();
app.MapPortalHealth();
app.MapPortalIdentity();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapApiReference();
app.MapOrganizationsApi();
app.MapApiKeysApi();
app.MapUsageApi();
app.MapBillingApi();
app.MapAuditApi();
app.MapDecisionApi();
app.MapEntitlementsApi();

app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
await app.RunAsync();

/// <summary>Visible to the test hosts.</summary>
public partial class Program;
