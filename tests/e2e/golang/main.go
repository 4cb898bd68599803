// Inbox messages from Go through the gotham provider plugin, as an Automation API inline
// program (no Go language host needed), with the typed SDK generated from the plugin's schema
// (sdk/go/gotham). Run by tests/e2e/test_e2e_go.py:
//
//	inbox-go up|preview|destroy
//
// The stack (dev, project inbox-go) lives in $PULUMI_BACKEND_URL; INBOX_HOSTNAME and
// INBOX_TOKEN configure it, INBOX_TITLE titles the release message, INBOX_BAD_MARKING adds
// a message the policy pack must stop, and INBOX_POLICY_PACK (with INBOX_POLICY_CONFIG) runs
// the pack in a preview. It prints the stack's outputs as JSON after up.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	gotham "gotham-inbox/sdk/go/gotham"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func message(title, marking string) gotham.SendMessageRequestArgs {
	return gotham.SendMessageRequestArgs{
		GroupRecipients: gotham.GroupRecipientArray{
			gotham.GroupRecipientArgs{Name: pulumi.String("platform-team")},
		},
		Sender:   gotham.MessageSenderArgs{DisplayName: pulumi.String("release-bot")},
		Title:    gotham.SecureTextTitleArgs{Value: pulumi.String(title)},
		Security: gotham.MessageSecurityArgs{PortionMarkings: pulumi.StringArray{pulumi.String(marking)}},
	}
}

func program(ctx *pulumi.Context) error {
	title := os.Getenv("INBOX_TITLE")
	if title == "" {
		title = "release 4.2 is live"
	}
	release, err := gotham.NewInboxMessage(ctx, "release",
		&gotham.InboxMessageArgs{Message: message(title, "UNCLASSIFIED")})
	if err != nil {
		return err
	}
	if bad := os.Getenv("INBOX_BAD_MARKING"); bad != "" {
		_, err = gotham.NewInboxMessage(ctx, "bad-marking",
			&gotham.InboxMessageArgs{Message: message("typo marking", bad)})
		if err != nil {
			return err
		}
	}
	ctx.Export("releaseId", release.SourceId)
	ctx.Export("status", release.Status)
	return nil
}

func run(command string) error {
	ctx := context.Background()
	stack, err := auto.UpsertStackInlineSource(ctx, "dev", "inbox-go", program)
	if err != nil {
		return err
	}
	config := auto.ConfigMap{
		"gotham:hostname": auto.ConfigValue{Value: os.Getenv("INBOX_HOSTNAME")},
		"gotham:token":    auto.ConfigValue{Value: os.Getenv("INBOX_TOKEN"), Secret: true},
	}
	if err := stack.SetAllConfig(ctx, config); err != nil {
		return err
	}
	switch command {
	case "up":
		result, err := stack.Up(ctx)
		if err != nil {
			return err
		}
		outputs := map[string]interface{}{}
		for key, value := range result.Outputs {
			outputs[key] = value.Value
		}
		return json.NewEncoder(os.Stdout).Encode(outputs)
	case "preview":
		var options []optpreview.Option
		if pack := os.Getenv("INBOX_POLICY_PACK"); pack != "" {
			options = append(options, optpreview.PolicyPacks(pack),
				optpreview.PolicyPackConfigs(os.Getenv("INBOX_POLICY_CONFIG")),
				optpreview.ProgressStreams(os.Stdout))
		}
		_, err := stack.Preview(ctx, options...)
		return err
	case "destroy":
		_, err := stack.Destroy(ctx)
		return err
	}
	return fmt.Errorf("unknown command %q: use up, preview or destroy", command)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: inbox-go up|preview|destroy")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
