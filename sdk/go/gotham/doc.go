// Palantir Gotham Global Inbox messages as Pulumi resources.
package gotham
