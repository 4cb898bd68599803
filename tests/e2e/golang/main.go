// Inbox messages from Go through the gotham provider plugin, as an Automation API inline
// program (no Go language host needed). Run by tests/e2e/test_e2e_go.py:
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

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// InboxMessage is gotham:index:InboxMessage: one message, sent when created.
type InboxMessage struct {
	pulumi.CustomResourceState
	SourceID pulumi.StringOutput `pulumi:"sourceId"`
	Status   pulumi.StringOutput `pulumi:"status"`
}

func message(title, marking string) pulumi.Map {
	return pulumi.Map{
		"groupRecipients": pulumi.Array{pulumi.Map{"name": pulumi.String("platform-team")}},
		"sender":          pulumi.Map{"displayName": pulumi.String("release-bot")},
		"title":           pulumi.Map{"value": pulumi.String(title)},
		"security":        pulumi.Map{"portionMarkings": pulumi.Array{pulumi.String(marking)}},
	}
}

func program(ctx *pulumi.Context) error {
	title := os.Getenv("INBOX_TITLE")
	if title == "" {
		title = "release 4.2 is live"
	}
	var release InboxMessage
	err := ctx.RegisterResource("gotham:index:InboxMessage", "release",
		pulumi.Map{"message": message(title, "UNCLASSIFIED")}, &release)
	if err != nil {
		return err
	}
	if bad := os.Getenv("INBOX_BAD_MARKING"); bad != "" {
		var spoilt InboxMessage
		err = ctx.RegisterResource("gotham:index:InboxMessage", "bad-marking",
			pulumi.Map{"message": message("typo marking", bad)}, &spoilt)
		if err != nil {
			return err
		}
	}
	ctx.Export("releaseId", release.SourceID)
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
