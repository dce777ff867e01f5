import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

describe('CDC-SNS-1 created topics have a subscription', () => {
  it('accepts a topic with an e-mail subscription in the same stack', () => {
    const findings = findingsOf((stack) => {
      const topic = new SnsTopic(stack, 'alerts', { name: 'alerts' });
      new SnsTopicSubscription(stack, 'mail', { topicArn: topic.arn, protocol: 'email', endpoint: 'team@example.com' });
    });
    expect(findingsOfRule(findings, 'CDC-SNS-1')).toEqual([]);
  });

  it('warns about a topic nobody is subscribed to, even when another topic has subscribers', () => {
    const findings = findingsOf((stack) => {
      new SnsTopic(stack, 'silent', { name: 'silent' });
      const other = new SnsTopic(stack, 'other', { name: 'other' });
      new SnsTopicSubscription(stack, 'mail', { topicArn: other.arn, protocol: 'email', endpoint: 'team@example.com' });
    });
    expect(pathsFlagged(findings, 'CDC-SNS-1')).toEqual(['test/silent']);
    const [finding] = findingsOfRule(findings, 'CDC-SNS-1');
    expect(finding.level).toBe('warning');
    expect(finding.message).toContain('alarms.subscriptions');
  });
});
