// Inbox messages from TypeScript through the gotham provider plugin (pulumi-resource-gotham),
// with the typed SDK generated from the plugin's schema (sdk/nodejs, copied here as ./gotham by
// tests/e2e/languages_support.py). Run by tests/e2e/test_e2e_languages.py: config `title`
// retitles the release message, and config `badMarking` adds a message the pack must stop.
import * as pulumi from "@pulumi/pulumi";
import * as gotham from "./gotham";

function message(title: string, marking = "UNCLASSIFIED"): gotham.types.input.SendMessageRequestArgs {
    return {
        groupRecipients: [{ name: "platform-team" }],
        sender: { displayName: "release-bot" },
        title: { value: title },
        security: { portionMarkings: [marking] },
    };
}

const config = new pulumi.Config();
const release = new gotham.InboxMessage("release", {
    message: message(config.get("title") ?? "release 4.2 is live"),
});
const launch = new gotham.InboxMessageBatch("launch", {
    messages: [message("launch one"), message("launch two")],
});
const badMarking = config.get("badMarking");
if (badMarking) {
    new gotham.InboxMessage("bad-marking", { message: message("typo marking", badMarking) });
}

export const releaseId = release.sourceId;
export const launchIds = launch.sourceIds;
