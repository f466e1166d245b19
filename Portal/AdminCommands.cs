using Portal.Access;
using Portal.Data;
using Portal.Identity;

namespace Portal;

/// <summary>
/// Command-line entries of the same app, for operating it without the UI:
/// `Portal admin migrate`, `Portal admin bootstrap --org "Name" --owner-email a@b.c [--owner-name "Name"]`.
/// </summary>
public static class AdminCommands
{
    public static async Task<bool> TryRunAsync(WebApplication app, string[] args)
    {
        if (args.Length < 2 || args[0] != "admin")
        {
            return false;
        }

        switch (args[1])
        {
            case "migrate":
                await DatabaseStartup.MigrateAsync(app.Services, CancellationToken.None);
                Console.WriteLine("Database migrated.");
                break;
            case "bootstrap":
                Environment.ExitCode = await BootstrapAsync(app, args[2..]);
                break;
            default:
                Console.Error.WriteLine($"Unknown admin command '{args[1]}'. Known: migrate, bootstrap.");
                Environment.ExitCode = 2;
                break;
        }

        return true;
    }

    private static async Task<int> BootstrapAsync(WebApplication app, string[] args)
    {
        var options = ParseOptions(args);
        if (options is null || !options.TryGetValue("--org", out var org) || !options.TryGetValue("--owner-email", out var ownerEmail))
        {
            Console.Error.WriteLine("Usage: Portal admin bootstrap --org \"Org name\" --owner-email owner@example.com [--owner-name \"Name\"]");
            return 2;
        }

        await using var scope = app.Services.CreateAsyncScope();
        BootstrapResult result;
        try
        {
            result = await scope.ServiceProvider.GetRequiredService<SuperOrgBootstrap>().RunAsync(
                org, ownerEmail, options.GetValueOrDefault("--owner-name"), CancellationToken.None);
        }
        catch (RuleViolationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        var signIn = app.Services.GetRequiredService<PublicBaseUrl>();
        Console.WriteLine($"Created the super org \"{result.OrgName}\" (id {result.OrgId}).");
        if (result.OwnerInvited)
        {
            Console.WriteLine($"Invited {result.OwnerEmail} as its Owner: they become owner when they first sign in through the identity provider");
            Console.WriteLine($"with that (verified) email, within {SuperOrgBootstrap.OwnerInvitationLifetime.TotalDays:0} days. Portal: {signIn}");
        }
        else if (result.OneTimePassword is not null)
        {
            Console.WriteLine($"Owner: {result.OwnerEmail}, with a new local account.");
            Console.WriteLine($"One-time password: {result.OneTimePassword}");
            Console.WriteLine($"It is shown only now. Sign in at {signIn}; the portal asks for a new password at the first sign-in.");
        }
        else
        {
            Console.WriteLine($"Owner: {result.OwnerEmail}, with their existing local account and password.");
        }

        return 0;
    }

    private static Dictionary<string, string>? ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                return null;
            }

            options[args[i]] = args[i + 1];
        }

        return options;
    }
}
