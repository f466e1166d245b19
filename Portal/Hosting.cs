using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Identity;

namespace Portal;

public static class Hosting
{
    public const string DevelopmentSettingsFile = "appsettings.Development.json";

    /// <summary>
    /// The development settings live at the top of the repository. Load them right after appsettings.json,
    /// so environment variables and the command line still win.
    /// </summary>
    public static void AddTopLevelDevelopmentSettings(this ConfigurationManager configuration, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            return;
        }

        var candidates = new[]
        {
            Path.Combine(environment.ContentRootPath, "..", DevelopmentSettingsFile),
            Path.Combine(AppContext.BaseDirectory, DevelopmentSettingsFile),
        };
        var file = candidates.Select(Path.GetFullPath).FirstOrDefault(File.Exists);
        if (file is null)
        {
            return;
        }

        var sources = configuration.Sources;
        var anchor = sources.OfType<JsonConfigurationSource>().LastOrDefault(s => s.Path?.StartsWith("appsettings", StringComparison.Ordinal) == true);
        var index = anchor is null ? 0 : sources.IndexOf(anchor) + 1;
        sources.Insert(index, new JsonConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(file)!),
            Path = Path.GetFileName(file),
            Optional = true,
        });
    }
}

/// <summary>Tells a new user where the portal is, how to sign in and where its data lives.</summary>
public static class StartupBanner
{
    public static void Print(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var database = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var connection = app.Configuration.GetConnectionString("Portal");
        var lines = new List<string>
        {
            "",
            "  Portal is running.",
            $"  Open:      {string.Join("  ", addresses)}",
            $"  Database:  {database.Provider} {(connection is null && database.Provider == DatabaseProvider.Sqlite ? DataRegistration.DefaultSqlitePath(app.Environment) + " (delete it to start over)" : "")}",
        };
        lines.AddRange(SignInLines(app));

        lines.Add("");
        Console.WriteLine(string.Join(Environment.NewLine, lines));
    }

    private static IEnumerable<string> SignInLines(WebApplication app)
    {
        var authentication = app.Services.GetRequiredService<IOptions<PortalAuthenticationOptions>>().Value;
        if (authentication.UsesExternalProvider)
        {
            yield return $"  Sign in:   through {authentication.Authority} (client {authentication.ClientId})";
            yield break;
        }

        var demo = authentication.DemoAccounts;
        var seeding = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.SeedDemoData ?? app.Environment.IsDevelopment();
        if (!seeding || string.IsNullOrEmpty(demo.Password))
        {
            yield return "  Sign in:   with a local account (create the first one with `Portal admin bootstrap`)";
            yield break;
        }

        yield return $"  Sign in:   as any demo user below, password \"{demo.Password}\" (development only)";
        foreach (var user in DemoSeed.Users.Where(u => demo.Emails.Count == 0 || demo.Emails.Contains(u.Email, StringComparer.OrdinalIgnoreCase)))
        {
            var role = Access.BuiltInRoles.Find(user.RoleId)?.Name ?? user.RoleId;
            yield return $"             {user.Email,-20} {role} of {user.OrgName}";
        }
    }
}
