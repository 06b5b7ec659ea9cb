using System.CommandLine;
using System.Globalization;
using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary><c>conclave admin …</c>: rooms, invitations and members, with an admin token from --token or CONCLAVE_TOKEN.</summary>
internal static class AdminCommands
{
    private static readonly string[] GrantableRoles = ["member", "host"];

    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var admin = new Command("admin",
            $"Administer rooms (needs an admin token in --token or {GlobalOptions.TokenVariable})");
        admin.Add(CreateRoom(globals, host));
        admin.Add(Invite(globals, host));
        admin.Add(ShowRoom(globals, host));
        admin.Add(SetLocked(globals, host, locked: true));
        admin.Add(SetLocked(globals, host, locked: false));
        admin.Add(AddMember(globals, host));
        return admin;
    }

    private static Command CreateRoom(GlobalOptions globals, CliHost host)
    {
        var name = RoomArgument("NAME", "The new room's name: 1-64 of a-z 0-9 . _ -, starting with a letter or digit");
        var owner = new Option<string?>("--owner") { Description = "The owner's user id (default: the caller)", HelpName = "USERID" };
        var command = new Command("create-room", "Create a room; prints its name") { name, owner };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string room = RequireRoom(context.Get(name));
            string? ownerId = context.Get(owner);
            if (ownerId is not null && !Names.IsValidUserId(ownerId))
                throw new CliException($"--owner '{Output.Clean(ownerId)}' is not a valid user id (1-128 printable ASCII characters, no spaces)");

            using ConclaveApiClient api = AdminClient(context);
            RoomDto created = await api.CreateRoomAsync(new CreateRoomRequest(room, ownerId), cancellationToken).ConfigureAwait(false);
            if (context.Json) context.WriteJson(created, ConclaveJsonContext.Default.RoomDto);
            else context.Out.WriteLine(Output.Clean(created.Name));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Invite(GlobalOptions globals, CliHost host)
    {
        var room = RoomArgument("ROOM", "The room to invite to");
        var displayName = new Option<string>("--name")
        {
            Description = "The display name the invited person will have",
            HelpName = "DISPLAY_NAME",
            Required = true,
        };
        var role = RoleOption("The invited person's role in the room");
        var ttl = new Option<int?>("--ttl")
        {
            Description = "Seconds the invitation stays redeemable (server default 7 days, at most 30 days)",
            HelpName = "SECONDS",
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) && seconds > 0) return seconds;
                result.AddError($"--ttl must be a positive whole number of seconds, not '{text}'");
                return null;
            },
        };
        var command = new Command("invite", "Create a single-use invitation; prints its URL alone on one line") { room, displayName, role, ttl };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string roomName = RequireRoom(context.Get(room));
            string name = context.Get(displayName) ?? string.Empty;
            if (!Names.IsValidDisplayName(name))
                throw new CliException("--name must be 1-64 printable characters, not only spaces");
            int? seconds = context.Get(ttl);

            using ConclaveApiClient api = AdminClient(context);
            InvitationDto invitation = await api.CreateInvitationAsync(roomName,
                new CreateInvitationRequest(name, context.Get(role) ?? "member", seconds), cancellationToken).ConfigureAwait(false);
            if (context.Json) context.WriteJson(invitation, ConclaveJsonContext.Default.InvitationDto);
            else context.Out.WriteLine(Output.Clean(invitation.Url));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ShowRoom(GlobalOptions globals, CliHost host)
    {
        var room = RoomArgument("ROOM", "The room to show");
        var command = new Command("show-room", "Show a room: owner, lock state and members") { room };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string roomName = RequireRoom(context.Get(room));
            using ConclaveApiClient api = AdminClient(context);
            RoomDto dto = await api.GetRoomAsync(roomName, cancellationToken).ConfigureAwait(false);
            if (context.Json) context.WriteJson(dto, ConclaveJsonContext.Default.RoomDto);
            else WriteRoom(context.Out, dto);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command SetLocked(GlobalOptions globals, CliHost host, bool locked)
    {
        var room = RoomArgument("ROOM", locked ? "The room to lock" : "The room to unlock");
        var command = new Command(locked ? "lock" : "unlock",
            locked ? "Lock a room: only its owner and hosts may join" : "Unlock a room: every member may join") { room };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string roomName = RequireRoom(context.Get(room));
            using ConclaveApiClient api = AdminClient(context);
            RoomDto dto = await api.SetLockedAsync(roomName, locked, cancellationToken).ConfigureAwait(false);
            if (context.Json) context.WriteJson(dto, ConclaveJsonContext.Default.RoomDto);
            else context.Out.WriteLine($"Room {Output.Clean(dto.Name)} is {(dto.Locked ? "locked" : "unlocked")}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command AddMember(GlobalOptions globals, CliHost host)
    {
        var room = RoomArgument("ROOM", "The room");
        var user = new Argument<string>("USERID") { Description = "The user id to admit (e.g. an OpenID Connect subject)" };
        var role = RoleOption("The member's role");
        var command = new Command("add-member", "Admit a user id to a room") { room, user, role };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string roomName = RequireRoom(context.Get(room));
            string userId = context.Get(user) ?? string.Empty;
            if (!Names.IsValidUserId(userId))
                throw new CliException($"'{Output.Clean(userId)}' is not a valid user id (1-128 printable ASCII characters, no spaces)");
            string grantedRole = context.Get(role) ?? "member";

            using ConclaveApiClient api = AdminClient(context);
            RoomDto dto = await api.AddMemberAsync(roomName, new AddMemberRequest(userId, grantedRole), cancellationToken).ConfigureAwait(false);
            if (context.Json) context.WriteJson(dto, ConclaveJsonContext.Default.RoomDto);
            else context.Out.WriteLine($"Added {Output.Clean(userId)} to room {Output.Clean(dto.Name)} as {grantedRole}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static ConclaveApiClient AdminClient(CliContext context)
    {
        string? token = context.ExplicitToken();
        Uri? server = context.ExplicitServer();
        if (token is null && server is null)
            throw new CliException($"no server and no admin token: set {GlobalOptions.ServerVariable} and {GlobalOptions.TokenVariable} (or pass --server and --token)");
        if (token is null)
            throw new CliException($"admin commands need an admin token: set {GlobalOptions.TokenVariable} (or pass --token)");
        server ??= context.RequireServer(() => context.Profiles.Load());
        context.UnauthorizedHint = $"the server refused the token; admin commands need an admin token in {GlobalOptions.TokenVariable} or --token";
        return context.CreateApiClient(server, token, context.ExplicitPin());
    }

    private static Argument<string> RoomArgument(string name, string description) => new(name) { Description = description };

    private static Option<string> RoleOption(string description)
    {
        var role = new Option<string>("--role") { Description = description, HelpName = "member|host", DefaultValueFactory = _ => "member" };
        role.AcceptOnlyFromAmong(GrantableRoles);
        return role;
    }

    private static string RequireRoom(string? room) =>
        Names.IsValidRoomName(room) ? room!
        : throw new CliException($"'{Output.Clean(room)}' is not a valid room name: 1-64 of a-z 0-9 . _ -, starting with a letter or digit");

    private static void WriteRoom(TextWriter output, RoomDto room)
    {
        output.WriteLine($"room:    {Output.Clean(room.Name)}");
        output.WriteLine($"owner:   {Output.Clean(room.Owner)}");
        output.WriteLine($"locked:  {(room.Locked ? "yes" : "no")}");
        output.WriteLine($"created: {Output.Time(room.CreatedAt)}");
        output.WriteLine($"members: {room.Members.Count}");
        int width = 0;
        foreach (RoomMemberDto member in room.Members) width = Math.Max(width, Output.Clean(member.UserId).Length);
        foreach (RoomMemberDto member in room.Members)
            output.WriteLine($"  {Output.Clean(member.UserId).PadRight(width)}  {Output.Clean(member.Role),-6}  added {Output.Time(member.AddedAt)}");
    }
}
