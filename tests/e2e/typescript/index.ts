// Inbox messages from TypeScript through the gotham provider plugin (pulumi-resource-gotham).
// Run by tests/e2e/test_e2e_languages.py: config `title` retitles the release message, and
// config `badMarking` adds a message the policy pack must stop.
import * as pulumi from "@pulumi/pulumi";

type Message = Record<string, unknown>;

/** gotham:index:InboxMessage: one message, sent when created. */
class InboxMessage extends pulumi.CustomResource {
    declare readonly sourceId: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;

    constructor(name: string, args: { message: pulumi.Input<Message> }, opts?: pulumi.CustomResourceOptions) {
        super("gotham:index:InboxMessage", name, { ...args, sourceId: undefined, status: undefined }, opts);
    }
}

/** gotham:index:InboxMessageBatch: several messages in one all-or-nothing request. */
class InboxMessageBatch extends pulumi.CustomResource {
    declare readonly sourceIds: pulumi.Output<string[]>;
    declare readonly statuses: pulumi.Output<string[]>;

    constructor(name: string, args: { messages: pulumi.Input<Message>[] }, opts?: pulumi.CustomResourceOptions) {
        super("gotham:index:InboxMessageBatch", name, { ...args, sourceIds: undefined, statuses: undefined }, opts);
    }
}

function message(title: string, marking = "UNCLASSIFIED"): Message {
    return {
        groupRecipients: [{ name: "platform-team" }],
        sender: { displayName: "release-bot" },
        title: { value: title },
        security: { portionMarkings: [marking] },
    };
}

const config = new pulumi.Config();
const release = new InboxMessage("release", { message: message(config.get("title") ?? "release 4.2 is live") });
const launch = new InboxMessageBatch("launch", { messages: [message("launch one"), message("launch two")] });
const badMarking = config.get("badMarking");
if (badMarking) {
    new InboxMessage("bad-marking", { message: message("typo marking", badMarking) });
}

export const releaseId = release.sourceId;
export const launchIds = launch.sourceIds;
