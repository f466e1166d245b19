using Microsoft.AspNetCore.Authorization;

namespace Portal.Identity;

/// <summary>
/// Every page requires sign-in (the fallback authorization policy for requests, an AuthorizeView in the router
/// for live circuits) except those marked [AllowAnonymous]: the sign-in pages and the error page.
/// </summary>
public static class SignInRequirement
{
    public static bool AllowsAnonymous(Type pageType) => pageType.IsDefined(typeof(AllowAnonymousAttribute), inherit: true);
}
