using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Data;

namespace Portal.Identity;

/// <summary>
/// Development only, until OpenID Connect sign-in lands: every request is the demo super-org owner.
/// Registration refuses to add it outside Development.
/// </summary>
public sealed class DevelopmentStandInHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DevelopmentStandIn";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var owner = DemoSeed.Owner;
        var identity = new ClaimsIdentity(
            [
                new Claim(PrincipalCallerResolver.UserIdClaim, owner.Id.ToString()),
                new Claim("sub", owner.Subject),
                new Claim("name", owner.DisplayName),
                new Claim("email", owner.Email),
            ],
            SchemeName, "name", "role");
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
