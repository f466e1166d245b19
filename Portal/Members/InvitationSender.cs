using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Portal.Members;

public sealed record InvitationMessage(string To, string OrgName, string RoleName, string InvitedBy, string Link, DateTime ExpiresAt);

public interface IInvitationSender
{
    /// <returns>True when an email went out; false when email is not configured (the link is then copied by hand).</returns>
    Task<bool> SendAsync(InvitationMessage message, CancellationToken ct);
}

public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public bool EnableSsl { get; set; } = true;
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "portal@localhost";
}

/// <summary>Sends invitations over SMTP when <c>Smtp:Host</c> is set; otherwise reports that nothing was sent.</summary>
public sealed class SmtpInvitationSender(IOptions<SmtpOptions> options, ILogger<SmtpInvitationSender> logger) : IInvitationSender
{
    public async Task<bool> SendAsync(InvitationMessage message, CancellationToken ct)
    {
        var smtp = options.Value;
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            logger.LogInformation("SMTP is not configured; the invitation for {Email} was not emailed.", message.To);
            return false;
        }

        using var client = new SmtpClient(smtp.Host, smtp.Port) { EnableSsl = smtp.EnableSsl };
        if (smtp.UserName is not null)
        {
            client.Credentials = new NetworkCredential(smtp.UserName, smtp.Password);
        }

        using var mail = new MailMessage(smtp.From, message.To)
        {
            Subject = $"{message.InvitedBy} invited you to {message.OrgName}",
            Body = $"You are invited to join {message.OrgName} as {message.RoleName}.\n\nAccept: {message.Link}\n\nThe link works until {message.ExpiresAt:yyyy-MM-dd HH:mm} UTC.",
        };
        await client.SendMailAsync(mail, ct);
        return true;
    }
}
