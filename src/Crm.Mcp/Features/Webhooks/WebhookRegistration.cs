using System.Runtime.CompilerServices;
using Crm.Mcp.Data;

namespace Crm.Mcp.Features.Webhooks;

/// <summary>
/// Plugs the outbox into the change journal: every sealed change enqueues its webhook events in its own transaction.
/// Registered when the assembly loads, so every entry point that writes (the servers, CLI import, tests) gets it and
/// the journal in Data/ needs no reference to this feature.
/// </summary>
internal static class WebhookRegistration
{
#pragma warning disable CA2255 // an application, not a library: loading it is exactly when the hook must exist
    [ModuleInitializer]
    internal static void Register() => ChangeJournal.OnSealed(WebhookOutbox.EnqueueAsync);
#pragma warning restore CA2255
}
