import { PolicyRule, Violation } from '../types';

/**
 * A topic created in the stack with no subscription delivers every alarm to nobody: CloudWatch
 * shows the alarm action as successful while no person or pager ever hears of it. A warning,
 * because a topic may be subscribed from elsewhere (another account, a console subscription).
 * No checkov equivalent.
 */
export const snsTopicSubscribed: PolicyRule = {
  id: 'CDC-SNS-1',
  checkov: [],
  level: 'warning',
  title: 'An SNS topic created in the stack has at least one subscription in the same stack',
  appliesTo: ['aws_sns_topic'],
  fix: 'add an aws_sns_topic_subscription (environments: set alarms.subscriptions to e-mail addresses or https endpoints, or alarms.snsTopicArn to a topic that has them)',
  check(element, stack): Violation[] {
    const reference = `\${aws_sns_topic.${element.logicalId}.arn}`;
    const subscribed = stack.resourcesOfType('aws_sns_topic_subscription').some((s) => s.config.topic_arn === reference);
    if (subscribed) return [];
    return [{ problem: 'the topic has no subscription, so the notifications published to it reach nobody (alarms.subscriptions is empty)' }];
  },
};
