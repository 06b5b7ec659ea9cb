using System.Text.Json;
using System.Text.Json.Serialization;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Signaling.Protocol;

/// <summary>Source-generated JSON for every signaling message and API body: camelCase, no reflection.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    MaxDepth = 16)]
[JsonSerializable(typeof(SignalMessage))]
[JsonSerializable(typeof(HelloMessage))]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(JoinMessage))]
[JsonSerializable(typeof(JoinedMessage))]
[JsonSerializable(typeof(LeaveMessage))]
[JsonSerializable(typeof(LeftMessage))]
[JsonSerializable(typeof(UpdateMessage))]
[JsonSerializable(typeof(UpdatedMessage))]
[JsonSerializable(typeof(PingMessage))]
[JsonSerializable(typeof(PongMessage))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(ParticipantJoinedEvent))]
[JsonSerializable(typeof(ParticipantLeftEvent))]
[JsonSerializable(typeof(ParticipantUpdatedEvent))]
[JsonSerializable(typeof(OfferMessage))]
[JsonSerializable(typeof(AnswerMessage))]
[JsonSerializable(typeof(TracksEvent))]
[JsonSerializable(typeof(ActiveSpeakerEvent))]
[JsonSerializable(typeof(MuteMessage))]
[JsonSerializable(typeof(MutedMessage))]
[JsonSerializable(typeof(VideoSizeMessage))]
[JsonSerializable(typeof(VideoSizedMessage))]
[JsonSerializable(typeof(LayersEvent))]
[JsonSerializable(typeof(MembershipMessage))]
[JsonSerializable(typeof(MembershipRecordedMessage))]
[JsonSerializable(typeof(E2eeSendMessage))]
[JsonSerializable(typeof(E2eeSentMessage))]
[JsonSerializable(typeof(E2eeEvent))]
[JsonSerializable(typeof(FileOfferMessage))]
[JsonSerializable(typeof(FileOfferSentMessage))]
[JsonSerializable(typeof(FileOfferedEvent))]
[JsonSerializable(typeof(CreateRoomRequest))]
[JsonSerializable(typeof(RoomDto))]
[JsonSerializable(typeof(AddMemberRequest))]
[JsonSerializable(typeof(CreateInvitationRequest))]
[JsonSerializable(typeof(InvitationDto))]
[JsonSerializable(typeof(RedeemResponse))]
[JsonSerializable(typeof(MeDto))]
[JsonSerializable(typeof(DeviceKeysRequest))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(FileDto))]
[JsonSerializable(typeof(FileListDto))]
[JsonSerializable(typeof(FileKeysRequest))]
[JsonSerializable(typeof(UserDevicesDto))]
public sealed partial class ConclaveJsonContext : JsonSerializerContext;
