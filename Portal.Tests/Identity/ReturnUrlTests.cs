using Portal.Identity;

namespace Portal.Tests.Identity;

public sealed class ReturnUrlTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/account")]
    [InlineData("/orgs/1234?tab=members#top")]
    [InlineData("/connect/authorize?client_id=portal&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-oidc")]
    [InlineData("/%2F%2Fevil.example")]
    public void Paths_on_this_site_are_local(string url) => Assert.True(ReturnUrls.IsLocal(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://evil.example/")]
    [InlineData("http://localhost/")]
    [InlineData("//evil.example")]
    [InlineData("//evil.example/path")]
    [InlineData("/\\evil.example")]
    [InlineData("\\\\evil.example")]
    [InlineData("/ok\\..\\evil")]
    [InlineData("javascript:alert(1)")]
    [InlineData("account")]
    [InlineData(" /account")]
    [InlineData("/\t/evil.example")]
    [InlineData("/\r\nSet-Cookie: x=1")]
    public void Other_hosts_schemes_and_tricks_are_not_local(string? url) => Assert.False(ReturnUrls.IsLocal(url));

    [Fact]
    public void A_foreign_return_url_falls_back_to_the_home_page() =>
        Assert.Equal("/", ReturnUrls.LocalOrRoot("https://evil.example/"));

    [Fact]
    public void A_local_return_url_is_kept() =>
        Assert.Equal("/account?x=1", ReturnUrls.LocalOrRoot("/account?x=1"));
}
