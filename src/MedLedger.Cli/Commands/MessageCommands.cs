using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>messages start/list/send/attach/read: end-to-end encrypted conversations, sealed, signed and checked through the SDK.</summary>
public static class MessageCommands
{
    public static Command Build()
    {
        var with = new Option<string[]>("--with") { Description = "The other participant(s): your doctor's email or id (patients), your patient's id (doctors)", Required = true, AllowMultipleArgumentsPerToken = true };
        var subject = new Option<string>("--subject") { Description = "Subject (sealed for the participants)", Required = true };
        var start = new Command("start", "Open a conversation with your doctor (patients) or a follow-up thread with your patient (doctors)") { with, subject };
        start.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var ids = new List<Guid>();
            foreach (var w in p.GetValue(with)!)
            {
                ids.Add(await CliSession.ResolveUserAsync(client, w, ct));
            }
            var c = await client.StartConversationAsync(ids, p.GetValue(subject)!, null, ct);
            AnsiConsole.MarkupLine($"[green]Opened[/] conversation [bold]{c.Id}[/] with {c.Participants.Count - 1} other participant(s)");
            Console.WriteLine(c.Id);
            return 0;
        });

        var list = new Command("list", "Your conversations, newest first, with unread counts");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            foreach (var c in await client.ConversationsAsync(ct))
            {
                Console.WriteLine($"{c.Id}  unread {c.Unread.ToString(CultureInfo.InvariantCulture)}  messages {c.LastSeq.ToString(CultureInfo.InvariantCulture)}  {c.Subject}");
            }
            return 0;
        });

        var conversation = new Argument<Guid>("CONVERSATION") { Description = "Conversation id" };
        var text = new Option<string>("--text") { Description = "Message text (sealed for the participants)", Required = true };
        var attachOption = new Option<FileInfo[]>("--attach") { Description = "File(s) to attach, sealed with the message", AllowMultipleArgumentsPerToken = true };
        var messageId = new Option<Guid?>("--message-id") { Description = "Client message id; reuse it to retry a send safely (stored once)" };
        var send = new Command("send", "Send a message (optionally with attachments)") { conversation, text, attachOption, messageId };
        send.SetAction(async (p, ct) => await SendAsync(p, p.GetValue(conversation), p.GetValue(text)!, p.GetValue(attachOption) ?? [], p.GetValue(messageId), ct));

        var file = new Argument<FileInfo>("FILE") { Description = "File to attach" };
        var caption = new Option<string?>("--text") { Description = "Text to send with it" };
        var attach = new Command("attach", "Send a file as a message attachment") { conversation, file, caption, messageId };
        attach.SetAction(async (p, ct) => await SendAsync(p, p.GetValue(conversation), p.GetValue(caption) ?? "", [p.GetValue(file)!], p.GetValue(messageId), ct));

        var saveTo = new Option<DirectoryInfo?>("--save-attachments") { Description = "Decrypt attachments into this folder" };
        var read = new Command("read", "Show a conversation's messages (each checked) and mark them read") { conversation, saveTo };
        read.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var id = p.GetValue(conversation);
            var c = await client.ConversationAsync(id, ct);
            Console.WriteLine($"Subject: {c.Subject}");
            var messages = await client.MessagesAsync(id, 0, ct);
            foreach (var m in messages)
            {
                Console.WriteLine($"#{m.Seq.ToString(CultureInfo.InvariantCulture)} {m.SentAt.ToString("u", CultureInfo.InvariantCulture)} from {(m.SenderId == client.UserId ? "you" : m.SenderId.ToString())}: {m.Text}");
                for (var i = 0; i < m.Attachments.Count; i++)
                {
                    var a = m.Attachments[i];
                    Console.WriteLine($"  attachment {a.FileName} ({a.ContentType}, {a.Size.ToString(CultureInfo.InvariantCulture)} bytes)");
                    if (p.GetValue(saveTo) is { } dir)
                    {
                        Directory.CreateDirectory(dir.FullName);
                        // The file name is sealed content from another user: keep only its last segment.
                        var target = Path.Combine(dir.FullName, $"{m.Seq}-{i}-{Path.GetFileName(a.FileName)}");
                        await File.WriteAllBytesAsync(target, await client.AttachmentAsync(m, i, ct), ct);
                        Console.WriteLine($"  saved to {target}");
                    }
                }
            }
            if (messages.Count > 0)
            {
                await client.MarkReadAsync(id, messages[^1].Seq, ct);
            }
            return 0;
        });

        return new Command("messages", "End-to-end encrypted conversations between patients and their doctors") { start, list, send, attach, read };
    }

    private static async Task<int> SendAsync(ParseResult p, Guid conversationId, string text, IReadOnlyList<FileInfo> files, Guid? messageId, CancellationToken ct)
    {
        using var client = await CliSession.ConnectAsync(p, ct);
        var attachments = new List<OutgoingAttachment>();
        foreach (var f in files)
        {
            attachments.Add(new OutgoingAttachment(f.Name, ContentTypeOf(f.Name), await File.ReadAllBytesAsync(f.FullName, ct)));
        }
        var m = await client.SendMessageAsync(conversationId, text, attachments, messageId, ct);
        AnsiConsole.MarkupLine($"[green]Sent[/] message #{m.Seq} ({m.ClientMessageId}) with {m.Attachments.Count} attachment(s)");
        return 0;
    }

    private static string ContentTypeOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".pdf" => "application/pdf",
        ".txt" => "text/plain",
        _ => "application/octet-stream",
    };
}
